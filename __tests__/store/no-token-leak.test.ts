import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import createDebug from 'debug';
import type { SessionData } from 'express-session';
import { Redis, type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import { ERR_STORE_UNAVAILABLE } from '../../lib/errors.js';
import { WechatSessionStore } from '../../lib/http/session-store.js';
import { createKeys } from '../../lib/store/keys.js';
import { createRedisStore } from '../../lib/store/redis-store.js';
import { storeUnavailable } from '../../lib/store/store-error.js';
import type { WechatStore } from '../../lib/store/types.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

/**
 * ioredis puts a failed command's arguments on its error (`command.args`): the tokens of a grant, the session
 * JSON. Redis refusing a write must still never print them, wherever the error ends up.
 */

const APP_ID = 'wx0123456789abcdef';

// One server per way of failing, so a test that leaves one broken cannot break another kind's tests.
let primary: TestRedisServer;
let replica: TestRedisServer;
let full: TestRedisServer;
let paused: TestRedisServer;
const opened: Redis[] = [];
const logLines: string[] = [];
let previousNamespaces = '';
let previousLog: (...args: unknown[]) => unknown;

beforeAll(async () => {
  [primary, replica, full, paused] = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer(), startRedisServer()]);
  const admin = replica.client();
  await admin.replicaof('127.0.0.1', primary.port);
  await waitFor(async () => /master_link_status:up/.test(await admin.info('replication')));
  await full.client().config('SET', 'maxmemory-policy', 'noeviction');
  previousNamespaces = createDebug.disable();
  previousLog = createDebug.log;
  createDebug.log = (...args: unknown[]) => void logLines.push(format(...args));
  createDebug.enable('wechat-official-login:*');
});
afterAll(async () => {
  createDebug.log = previousLog;
  createDebug.enable(previousNamespaces);
  await Promise.all([primary, replica, full, paused].map((server) => server?.stop()));
});
beforeEach(() => {
  logLines.length = 0;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map(close));
});

/** A client of our own, closed after the test. */
function clientOf(server: TestRedisServer, options: RedisOptions = {}): Redis {
  const client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => null, ...options });
  client.on('error', () => {}); // refused reconnects are the point of some tests, not noise for the console
  opened.push(client);
  return client;
}

/**
 * ioredis's disconnect() arms a 2 s timer that only its socket's 'close' clears, so it is never called on a
 * socket already closed (the timer would keep Jest waiting): a live client quits, a reconnecting one gives up.
 */
async function close(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise((resolve) => client.once('end', resolve)); // not events.once: it rejects on 'error'
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else if (client.status !== 'reconnecting') client.disconnect();
  await ended;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every value one test writes, each unique and long enough that finding it in a text cannot be chance. */
function newValues() {
  const value = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
  return {
    keyPrefix: value('t'),
    accessToken: value('AT'),
    refreshToken: value('RT'),
    previousAccessToken: value('oldAT'),
    previousRefreshToken: value('oldRT'),
    grantId: value('sid'),
    lockOwner: value('owner'),
    binderHash: value('binder'),
    codeHash: value('codehash'),
    nonce: value('nonce'),
    openid: value('openid'),
    returnTo: `/after/${value('path')}`,
  };
}
type Values = ReturnType<typeof newValues>;

/** Both stores over one client: the WeChat store and the express-session store, wired as createWechatLogin wires them. */
function storesOn(redis: Redis, v: Values) {
  return {
    store: createRedisStore({ redis, appId: APP_ID, keyPrefix: v.keyPrefix }),
    sessions: new WechatSessionStore({ redis, keys: createKeys(v.keyPrefix, APP_ID), ttlMs: 60_000, wrapError: storeUnavailable }),
  };
}
type Stores = ReturnType<typeof storesOn>;

const grantOf = (v: Values, accessToken: string, refreshToken: string) => ({
  accessToken,
  refreshToken,
  expiresAt: Date.now() + 7_200_000,
  refreshExpiresAt: Date.now() + 86_400_000,
  expiresIn: 7200,
  scope: 'snsapi_userinfo',
  openid: v.openid,
  userId: 1,
});
const sessionLogin = (v: Values) => ({
  userId: 1,
  openid: v.openid,
  scope: 'snsapi_base' as const,
  grantId: v.grantId,
  loggedInAt: 1,
  refreshExpiresAt: 2,
});

interface Write {
  /** What the write needs in Redis to get as far as writing (a user, a grant, a held lock): done while Redis is healthy. */
  prepare?(store: WechatStore, v: Values): Promise<void>;
  write(stores: Stores, v: Values): Promise<unknown>;
}

/** Every write path of the Redis store and of the session store. */
const WRITES: Record<string, Write> = {
  putLoginState: {
    write: ({ store }, v) =>
      store.putLoginState(v.nonce, { binderHash: v.binderHash, returnTo: v.returnTo, scope: 'snsapi_base', createdAt: 1, retry: false }, 60_000),
  },
  claimCode: { write: ({ store }, v) => store.claimCode(v.codeHash, 60_000) },
  setCodeOutcome: {
    write: ({ store }, v) =>
      store.setCodeOutcome(v.codeHash, { status: 'success', binderHash: v.binderHash, returnTo: v.returnTo, login: sessionLogin(v) }, 60_000),
  },
  'users.upsert': {
    write: ({ store }, v) => store.users.upsert({ openid: v.openid }, { accessToken: v.accessToken, refreshToken: v.refreshToken, expiresIn: 7200 }, 1),
  },
  'users.updateTokens': {
    prepare: async (store, v) => {
      await store.users.upsert({ openid: v.openid }, { accessToken: v.previousAccessToken, refreshToken: v.previousRefreshToken, expiresIn: 7200 }, 1);
    },
    // The first user under a fresh key prefix: id 1 (no read before the write, which could fail first).
    write: ({ store }, v) => store.users.updateTokens(1, { accessToken: v.accessToken, refreshToken: v.refreshToken, expiresIn: 7200 }, 2),
  },
  'grants.create': { write: ({ store }, v) => store.grants.create(grantOf(v, v.accessToken, v.refreshToken), 60_000, v.grantId) },
  'grants.replaceTokens': {
    prepare: async (store, v) => {
      await store.grants.create(grantOf(v, v.previousAccessToken, v.previousRefreshToken), 60_000, v.grantId);
    },
    write: ({ store }, v) => {
      const { accessToken, refreshToken, expiresAt, expiresIn, scope } = grantOf(v, v.accessToken, v.refreshToken);
      return store.grants.replaceTokens(v.grantId, 1, { accessToken, refreshToken, expiresAt, expiresIn, scope });
    },
  },
  'grants.markDead': {
    prepare: async (store, v) => {
      await store.grants.create(grantOf(v, v.accessToken, v.refreshToken), 60_000, v.grantId);
    },
    write: ({ store }, v) => store.grants.markDead(v.grantId, 1),
  },
  'grants.tryLock': { write: ({ store }, v) => store.grants.tryLock(v.grantId, v.lockOwner, 10_000) },
  'grants.unlock': {
    prepare: async (store, v) => {
      await store.grants.tryLock(v.grantId, v.lockOwner, 60_000);
    },
    write: ({ store }, v) => store.grants.unlock(v.grantId, v.lockOwner),
  },
  'session store set': {
    write: ({ sessions }, v) => {
      const session = {
        cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), httpOnly: true, path: '/' },
        wechat: { login: sessionLogin(v) },
        returnTo: v.returnTo,
      } as unknown as SessionData;
      return new Promise<void>((resolve, reject) => sessions.set(v.grantId, session, (error?: unknown) => (error ? reject(error) : resolve())));
    },
  },
};
const WRITE_NAMES = Object.keys(WRITES);

interface FailureKind {
  /**
   * Prepares the data with a healthy client, then hands back a client on which writes fail for this reason,
   * and what puts the server right again.
   */
  arrange(prepare: (redis: Redis) => Promise<void>): Promise<{ failing: Redis; repair?: () => Promise<unknown> }>;
  /** How our error names the reason: proof that the write failed the way this kind says. */
  reason: RegExp;
  /** Writes Redis lets through even in this state. */
  accepted?: string[];
}

const FAILURE_KINDS: Record<string, FailureKind> = {
  'a read-only replica (READONLY, as during a failover)': {
    async arrange(prepare) {
      await prepare(clientOf(primary));
      // The replica must hold the prepared grant or lock, or the write's script would stop before writing.
      await clientOf(primary).wait(1, 5_000);
      return { failing: clientOf(replica) };
    },
    reason: /READONLY/,
  },
  'Redis out of memory (OOM: maxmemory 1, noeviction)': {
    async arrange(prepare) {
      await prepare(clientOf(full));
      const admin = clientOf(full);
      await admin.config('SET', 'maxmemory', '1');
      return { failing: clientOf(full), repair: () => admin.config('SET', 'maxmemory', '0') };
    },
    reason: /OOM/,
    // Redis lets a deletion through when out of memory, and a script whose first write was one.
    accepted: ['grants.markDead', 'grants.unlock'],
  },
  'a closed connection': {
    async arrange(prepare) {
      await prepare(clientOf(primary));
      const failing = clientOf(primary);
      await failing.ping();
      failing.disconnect();
      return { failing };
    },
    reason: /connection (is )?closed/i,
  },
  'a stopped server (the client retrying, as createWechatLogin configures it)': {
    async arrange(prepare) {
      const server = await startRedisServer();
      let failing: Redis;
      try {
        await prepare(server.client());
        // Retrying as ioredis does by default until maxRetriesPerRequest fails the command, then giving up,
        // so that no reconnect outlives the test.
        failing = clientOf(server, { retryStrategy: (times) => (times <= 2 ? Math.min(times * 50, 2_000) : null), connectTimeout: 2_000 });
        await failing.ping();
      } finally {
        await server.stop();
      }
      return { failing };
    },
    reason: /max retries per request/i,
  },
  'a command timeout (commandTimeout, writes paused on the server)': {
    async arrange(prepare) {
      await prepare(clientOf(paused));
      const admin = clientOf(paused);
      await admin.client('PAUSE', 30_000, 'WRITE');
      return { failing: clientOf(paused, { commandTimeout: 200 }), repair: () => admin.client('UNPAUSE') };
    },
    reason: /timed? ?out/i,
  },
};

async function failedWrite(kind: FailureKind, name: string, v: Values): Promise<any> {
  const { prepare, write } = WRITES[name]!;
  const { failing, repair } = await kind.arrange(async (redis) => {
    await prepare?.(storesOn(redis, v).store, v);
  });
  try {
    await write(storesOn(failing, v), v);
  } catch (error) {
    return error;
  } finally {
    await repair?.();
  }
  throw new Error(`${name} succeeded`);
}

/** Every way an error gets printed: by a logger, by Node's console, by a JSON error reporter. */
function renderings(error: any): string[] {
  return [
    String(error?.message),
    String(error?.stack),
    inspect(error, { showHidden: true, depth: null }),
    JSON.stringify(error),
    String(error?.cause),
    String(error?.cause?.stack),
    ...logLines,
  ];
}

describe.each(Object.entries(FAILURE_KINDS))('the store refused by %s', (_kind, kind) => {
  const failing = WRITE_NAMES.filter((name) => !kind.accepted?.includes(name));
  it.each(failing)('%s: a 503 store error that shows none of the values written', async (name) => {
    const v = newValues();
    const error = await failedWrite(kind, name, v);
    const { keyPrefix: _notSecret, ...written } = v;
    for (const text of renderings(error)) {
      for (const value of Object.values(written)) expect(text).not.toContain(value);
    }
    expect(error).toMatchObject({ name: 'WechatLoginError', code: ERR_STORE_UNAVAILABLE, status: 503 });
    expect(error.message).toMatch(kind.reason);
  });
});

// The preparation is what makes each write reach Redis's refusal; without it some writes stop early and succeed.
describe('on a healthy Redis', () => {
  it.each(WRITE_NAMES)('%s goes through after its preparation', async (name) => {
    const v = newValues();
    const { prepare, write } = WRITES[name]!;
    const stores = storesOn(clientOf(primary), v);
    await prepare?.(stores.store, v);
    const result = await write(stores, v);
    if (typeof result === 'boolean') expect(result).toBe(true);
    if (name === 'grants.replaceTokens') expect(result).toMatchObject({ accessToken: v.accessToken, version: 2 });
    if (name === 'users.updateTokens') expect(await stores.store.users.findById(1)).toMatchObject({ accessToken: v.accessToken });
    if (name === 'grants.unlock') expect(await stores.store.grants.tryLock(v.grantId, 'someone else', 1_000)).toBe(true);
  });
});
