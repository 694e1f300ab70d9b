import type { Redis } from 'ioredis';
import type { WechatPublicAuthModel } from './user-model.js';
import { createKeys, type Keys } from './keys.js';
import { storeUnavailable } from './store-error.js';
import { grantFields, newGrantId, parseGrant, parseUser, tokenFields, userFields } from './records.js';
import type { CodeOutcome, GrantStore, LoginStateRecord, UserRepository, WechatStore } from './types.js';

/** Compare-and-set: write the new tokens only if nobody refreshed since we read `version`. */
const REPLACE_TOKENS = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return nil end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])`;

const MARK_DEAD = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'accessToken', 'refreshToken')
redis.call('HSET', KEYS[1], 'dead', '1')
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisStoreOptions {
  redis: Redis;
  appId: string;
  keyPrefix: string;
  /** Disconnect the client on close() (true when we created it from a URL). */
  ownsClient?: boolean;
}

/** The production store: everything in Redis, nothing in process memory, Cluster-safe key layout. */
export function createRedisStore({ redis, appId, keyPrefix, ownsClient = false }: RedisStoreOptions): WechatStore {
  const keys = createKeys(keyPrefix, appId);
  return {
    kind: 'redis',
    putLoginState: (nonce, record, ttlMs) =>
      guard(async () => {
        await redis.set(keys.loginState(nonce), JSON.stringify(record), 'PX', Math.ceil(ttlMs));
      }),
    takeLoginState: (nonce) =>
      guard(async () => parseJson<LoginStateRecord>(await redis.getdel(keys.loginState(nonce)))),
    claimCode: (codeHash, ttlMs) =>
      guard(async () => {
        const pending: CodeOutcome = { status: 'pending' };
        return (await redis.set(keys.code(codeHash), JSON.stringify(pending), 'PX', Math.ceil(ttlMs), 'NX')) === 'OK';
      }),
    setCodeOutcome: (codeHash, outcome, ttlMs) =>
      guard(async () => {
        await redis.set(keys.code(codeHash), JSON.stringify(outcome), 'PX', Math.ceil(ttlMs));
      }),
    getCodeOutcome: (codeHash) => guard(async () => parseJson<CodeOutcome>(await redis.get(keys.code(codeHash)))),
    users: createRedisUsers(redis, keys),
    grants: createRedisGrants(redis, keys),
    async close() {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function createRedisUsers(redis: Redis, keys: Keys): UserRepository {
  async function findById(id: number): Promise<WechatPublicAuthModel | null> {
    return parseUser(await redis.hgetall(keys.user(id)));
  }
  async function findByIndex(indexKey: string): Promise<WechatPublicAuthModel | null> {
    const id = await redis.get(indexKey);
    return id ? findById(Number(id)) : null;
  }
  async function idForOpenid(openid: string): Promise<number> {
    const existing = await redis.get(keys.userByOpenid(openid));
    if (existing) return Number(existing);
    const candidate = await redis.incr(keys.userSequence);
    // Two first logins of one user at once: the first SET NX wins, the other adopts its id.
    if ((await redis.set(keys.userByOpenid(openid), String(candidate), 'NX')) === 'OK') return candidate;
    return Number(await redis.get(keys.userByOpenid(openid)));
  }

  return {
    upsert: (profile, tokens, now) =>
      guard(async () => {
        const id = await idForOpenid(profile.openid);
        const key = keys.user(id);
        const multi = redis.multi().hset(key, { id: String(id), ...userFields(profile, tokens, now) }).hsetnx(key, 'createdAt', String(now));
        if (profile.unionid) multi.set(keys.userByUnionid(profile.unionid), String(id));
        await multi.exec();
        return (await findById(id))!;
      }),
    updateTokens: (id, tokens, now) =>
      guard(async () => {
        // Only an existing record is updated: a deleted user is not resurrected by a refresh.
        if (await redis.exists(keys.user(id))) await redis.hset(keys.user(id), tokenFields(tokens, now));
      }),
    findById: (id) => guard(() => findById(id)),
    findByOpenid: (openid) => guard(() => findByIndex(keys.userByOpenid(openid))),
    findByUnionid: (unionid) => guard(() => findByIndex(keys.userByUnionid(unionid))),
  };
}

function createRedisGrants(redis: Redis, keys: Keys): GrantStore {
  return {
    create: (grant, ttlMs, grantId = newGrantId()) =>
      guard(async () => {
        await redis
          .multi()
          .hset(keys.grant(grantId), { ...grantFields(grant), version: '1', dead: '0' })
          .pexpire(keys.grant(grantId), Math.max(1, Math.ceil(ttlMs)))
          .exec();
        return grantId;
      }),
    get: (grantId) => guard(async () => parseGrant(await redis.hgetall(keys.grant(grantId)))),
    status: (grantId) =>
      guard(async () => {
        const [version, dead, expiresAt] = await redis.hmget(keys.grant(grantId), 'version', 'dead', 'expiresAt');
        return version ? { version: Number(version), dead: dead === '1', expiresAt: Number(expiresAt) } : null;
      }),
    replaceTokens: (grantId, expectedVersion, tokens) =>
      guard(async () => {
        const args = Object.entries(grantFields(tokens)).flat();
        const reply = (await redis.eval(REPLACE_TOKENS, 1, keys.grant(grantId), String(expectedVersion), ...args)) as string[] | null;
        return reply ? parseGrant(pairsToObject(reply)) : null;
      }),
    markDead: (grantId, expectedVersion) =>
      guard(async () => (await redis.eval(MARK_DEAD, 1, keys.grant(grantId), String(expectedVersion))) === 1),
    delete: (grantId) =>
      guard(async () => {
        await redis.del(keys.grant(grantId), keys.grantLock(grantId));
      }),
    tryLock: (grantId, owner, ttlMs) =>
      guard(async () => (await redis.set(keys.grantLock(grantId), owner, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK'),
    unlock: (grantId, owner) =>
      guard(async () => {
        await redis.eval(UNLOCK, 1, keys.grantLock(grantId), owner);
      }),
  };
}

/** Every Redis call goes through here: a failure becomes our 503 with a cause that holds no secret. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeUnavailable(error);
  }
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function pairsToObject(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  return out;
}
