import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { grantFields, newGrantId, parseGrant } from './records.js';
import { guard } from './store-error.js';
import type { GrantStore } from './types.js';

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

/** One hash per grant (a login's tokens), its refresh lock beside it under the same hash tag. */
export function createRedisGrants(redis: Redis, keys: Keys): GrantStore {
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

function pairsToObject(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  return out;
}
