import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { grantFields, newGrantId, pairsToObject, parseGrant } from './records.js';
import { defineScript } from './scripts.js';
import { guard } from './store-error.js';
import type { GrantStore } from './types.js';

// Every script declares both keys it may touch, the grant (KEYS[1]) and its refresh lock (KEYS[2]); they share
// the grant's hash tag, so each script, and the lock's MULTI block, runs on the one Redis Cluster node that
// holds both.

/** The write that ends a refresh gives the lock back (ARGV[2], the holder; '' when no lock is held). */
const RELEASE_LOCK = `
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end`;

/** Compare-and-set: write the new tokens only if nobody refreshed since we read `version` (ARGV[1]). */
const REPLACE_TOKENS = `${RELEASE_LOCK}
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return nil end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])`;

const MARK_DEAD = `${RELEASE_LOCK}
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'accessToken', 'refreshToken')
redis.call('HSET', KEYS[1], 'dead', '1')
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** One hash per grant (a login's tokens), its refresh lock beside it under the same hash tag. */
export function createRedisGrants(redis: RedisClient, keys: Keys): GrantStore {
  const replaceTokens = defineScript<string[] | null>(redis, 'wechatGrantReplaceTokens', REPLACE_TOKENS, 2);
  const markDead = defineScript<number>(redis, 'wechatGrantMarkDead', MARK_DEAD, 2);
  const unlock = defineScript<number>(redis, 'wechatGrantUnlock', UNLOCK, 1);
  const both = (grantId: string) => [keys.grant(grantId), keys.grantLock(grantId)];

  return {
    create: (grant, ttlMs, grantId = newGrantId()) =>
      guard(async () => {
        const replies = await redis
          .multi()
          .hset(keys.grant(grantId), { ...grantFields(grant), version: '1', dead: '0' })
          .pexpire(keys.grant(grantId), Math.max(1, Math.ceil(ttlMs)))
          .exec();
        // A command that fails inside an accepted MULTI (e.g. WRONGTYPE) is only in its reply, not thrown.
        const failed = replies?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        return grantId;
      }),
    get: (grantId) => guard(async () => parseGrant(await redis.hgetall(keys.grant(grantId)))),
    status: (grantId) =>
      guard(async () => {
        const [version, dead, expiresAt] = await redis.hmget(keys.grant(grantId), 'version', 'dead', 'expiresAt');
        return version ? { version: Number(version), dead: dead === '1', expiresAt: Number(expiresAt) } : null;
      }),
    replaceTokens: (grantId, expectedVersion, tokens, lockOwner = '') =>
      guard(async () => {
        const fields = Object.entries(grantFields(tokens)).flat();
        const reply = await replaceTokens(...both(grantId), String(expectedVersion), lockOwner, ...fields);
        return reply ? parseGrant(pairsToObject(reply)) : null;
      }),
    markDead: (grantId, expectedVersion, lockOwner = '') =>
      guard(async () => (await markDead(...both(grantId), String(expectedVersion), lockOwner)) === 1),
    delete: (grantId) =>
      guard(async () => {
        await redis.del(...both(grantId));
      }),
    tryLock: (grantId, owner, ttlMs) =>
      guard(async () => {
        // The lock and the grant's version in one atomic round trip: the caller compares the version with the
        // one it read, which is the re-check under the lock. A MULTI block rather than a script, because Redis
        // ACLs grant a script only keys the user may write, and this reads the grant without writing it. The
        // SET comes first and runs even for a grant gone meanwhile (that lock expires by itself).
        const replies = await redis
          .multi()
          .set(keys.grantLock(grantId), owner, 'PX', Math.ceil(ttlMs), 'NX')
          .hget(keys.grant(grantId), 'version')
          .exec();
        const failed = replies?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        const [[, locked] = [], [, version] = []] = replies ?? [];
        return { locked: locked === 'OK', version: typeof version === 'string' ? Number(version) : null };
      }),
    unlock: (grantId, owner) =>
      guard(async () => {
        await unlock(keys.grantLock(grantId), owner);
      }),
  };
}
