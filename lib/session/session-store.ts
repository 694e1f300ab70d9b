import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { onEachKey, scanEveryMaster, type NodeKeys } from '../store/every-master.js';
import { defineScript } from '../store/scripts.js';
import { rememberGrantStatus } from './grant-status.js';

/**
 * One round trip per request: read the session, slide its expiry (what express-session's touch would do
 * at the end), and read the liveness of the session's grant — never its tokens. The grant of a session
 * is keyed by the session id, so both keys share the hash tag {sid} and the script runs on Redis Cluster.
 */
const READ_SESSION = `
local session = redis.call('GETEX', KEYS[1], 'PX', ARGV[1])
if not session then return nil end
local grant = redis.call('HMGET', KEYS[2], 'version', 'dead', 'expiresAt')
return { session, grant[1], grant[2], grant[3] }`;

type ReadSessionReply = [session: string, version: string | null, dead: string | null, expiresAt: string | null] | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StoreCallback = (error?: any, data?: any) => any;

export interface WechatSessionStoreOptions {
  redis: RedisClient;
  keys: Pick<Keys, 'sessionPrefix' | 'grant'>;
  /** The session's lifetime in Redis, slid on every read (the cookie's maxAge, else the session ttl). */
  ttlMs: number;
  /** Turns a Redis failure into the error express-session passes on (our 503). */
  wrapError: (error: unknown) => unknown;
}

/**
 * connect-redis, with the read replaced by the script above and the listings (all, ids, length, clear) by ones
 * that scan every master of a Cluster. Writes and deletes stay connect-redis's own, on keys
 * `{sessionPrefix}{sid}` wrapped in a hash tag.
 */
export class WechatSessionStore extends RedisStore {
  readonly #readSession: (...args: (string | number)[]) => Promise<ReadSessionReply>;
  readonly #grantKey: (grantId: string) => string;
  readonly #ttlMs: number;
  readonly #wrapError: (error: unknown) => unknown;
  readonly #redis: RedisClient;

  constructor({ redis, keys, ttlMs, wrapError }: WechatSessionStoreOptions) {
    super({ client: redis, prefix: keys.sessionPrefix, ttl: Math.ceil(ttlMs / 1000) });
    this.#readSession = defineScript<ReadSessionReply>(redis, 'wechatReadSession', READ_SESSION, 2);
    this.#grantKey = keys.grant;
    this.#ttlMs = Math.ceil(ttlMs);
    this.#wrapError = wrapError;
    this.#redis = redis;
  }

  override async get(sid: string, cb?: StoreCallback) {
    let reply;
    try {
      reply = await this.#readSession(this.prefix + tagged(sid), this.#grantKey(sid), this.#ttlMs);
    } catch (error) {
      return cb?.(this.#wrapError(error), null);
    }
    if (!reply) return cb?.(null, null);
    const [text, version, dead, expiresAt] = reply;
    let data: SessionData;
    try {
      data = this.serializer.parse(text) as SessionData;
    } catch {
      return cb?.(null, null); // unreadable: a new anonymous session (its text is never quoted in an error)
    }
    if (data.wechat?.login?.grantId === sid) {
      rememberGrantStatus(data.wechat, {
        grantId: sid,
        alive: version !== null && dead !== '1',
        accessTokenExpiresAt: expiresAt === null ? null : Number(expiresAt),
      });
    }
    return cb?.(null, data);
  }

  override set(sid: string, sess: SessionData, cb?: StoreCallback) {
    return super.set(tagged(sid), sess, this.#wrapped(cb));
  }

  /** The read already slid the expiry by the default lifetime; only a session with its own maxAge needs more. */
  override touch(sid: string, sess: SessionData, cb?: StoreCallback) {
    if (sess.cookie?.originalMaxAge === this.#ttlMs) return cb?.(null, null);
    return super.touch(tagged(sid), sess, this.#wrapped(cb));
  }

  override destroy(sid: string, cb?: StoreCallback) {
    return super.destroy(tagged(sid), this.#wrapped(cb));
  }

  // Listings scan every master (connect-redis 8 scans one node of a Cluster, and its MGET / DEL of many keys are
  // refused across slots). A Redis error's arguments would name every session id: wrapped like the rest.
  override clear(cb?: StoreCallback) {
    return this.#listing(cb, async (listed) => {
      await onEachKey(listed, 'unlink');
      return null;
    });
  }

  override length(cb?: StoreCallback) {
    return this.#listing(cb, async (listed) => listed.reduce((sum, { keys }) => sum + keys.length, 0));
  }

  override ids(cb?: StoreCallback) {
    return this.#listing(cb, async (listed) => this.#sidsOf(listed));
  }

  override all(cb?: StoreCallback) {
    return this.#listing(cb, async (listed) => {
      const texts = await onEachKey<string | null>(listed, 'get');
      const sids = this.#sidsOf(listed);
      const sessions: Array<SessionData & { id: string }> = [];
      texts.forEach((text, i) => {
        if (text === null) return; // expired since the scan
        try {
          sessions.push({ ...(this.serializer.parse(text) as SessionData), id: sids[i]! });
        } catch {
          // unreadable: skipped, as get() treats it as no session
        }
      });
      return sessions;
    });
  }

  async #listing<T>(cb: StoreCallback | undefined, answer: (listed: NodeKeys[]) => Promise<T>): Promise<unknown> {
    let result: T;
    try {
      result = await answer(await scanEveryMaster(this.#redis, this.prefix, this.scanCount));
    } catch (error) {
      if (cb) return cb(this.#wrapError(error));
      throw this.#wrapError(error);
    }
    return cb ? cb(null, result) : result;
  }

  /** The session ids of listed keys, in the order of the keys (as onEachKey's replies come). */
  #sidsOf(listed: NodeKeys[]): string[] {
    return listed.flatMap(({ keys }) => keys.map((key) => untagged(key.slice(this.prefix.length))));
  }

  #wrapped(cb: StoreCallback | undefined): StoreCallback | undefined {
    return cb && ((error, data) => (error ? cb(this.#wrapError(error)) : cb(undefined, data)));
  }
}

/**
 * `{sid}`: the hash tag the session shares with its grant. Idempotent: connect-redis's `set` of an expired
 * session calls our `destroy` with the id it was given, already tagged (session ids never contain braces).
 */
function tagged(sid: string): string {
  return sid.startsWith('{') && sid.endsWith('}') ? sid : `{${sid}}`;
}

function untagged(key: string): string {
  return key.startsWith('{') && key.endsWith('}') ? key.slice(1, -1) : key;
}
