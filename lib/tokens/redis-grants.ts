import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { grantFields, newGrantId, pairsToObject, parseGrant } from '../store/records.js';
import { createRedisUserGrants } from '../users/redis-user-grants.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import type { TokenCipher } from '../store/token-cipher.js';
import type { GrantStore } from '../store/types.js';

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

/** Deletes the grant and its lock; returns the grant's user id (false when it was gone). */
const DELETE = `
local userId = redis.call('HGET', KEYS[1], 'userId')
redis.call('DEL', KEYS[1], KEYS[2])
return userId`;

/**
 * One hash per grant (a login's tokens, sealed by `cipher`), its refresh lock beside it under the same hash
 * tag, and each grant listed under its user (redis-user-grants.ts) so that all of a user's logins can be ended.
 */
export function createRedisGrants(redis: RedisClient, keys: Keys, cipher: TokenCipher): GrantStore {
  const replaceTokens = defineScript<string[] | null>(redis, 'wechatGrantReplaceTokens', REPLACE_TOKENS, 2);
  const markDead = defineScript<number>(redis, 'wechatGrantMarkDead', MARK_DEAD, 2);
  const unlock = defineScript<number>(redis, 'wechatGrantUnlock', UNLOCK, 1);
  const deleteGrant = defineScript<string | null>(redis, 'wechatGrantDelete', DELETE, 2);
  const userGrants = createRedisUserGrants(redis, keys);
  const both = (grantId: string) => [keys.grant(grantId), keys.grantLock(grantId)];
  /**
   * Ends a login: its grant, lock and session (one hash tag, so one command on a Cluster). True when any of
   * them was there.
   */
  const endLogin = async (grantId: string) =>
    (await redis.del(keys.grant(grantId), keys.grantLock(grantId), keys.sessionOfGrant(grantId))) > 0;

  return {
    create: (grant, ttlMs, grantId = newGrantId()) =>
      guard(async () => {
        // Listed under its user first: a grant that exists is always one that signing out everywhere finds.
        const pushedOut = await userGrants.add(grant.userId, grantId, ttlMs);
        await Promise.all(pushedOut.map(endLogin));
        const replies = await redis
          .multi()
          .hset(keys.grant(grantId), { ...grantFields(grant, cipher, grantId), version: '1', dead: '0' })
          .pexpire(keys.grant(grantId), Math.max(1, Math.ceil(ttlMs)))
          .exec();
        // A command that fails inside an accepted MULTI (e.g. WRONGTYPE) is only in its reply, not thrown.
        const failed = replies?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        return grantId;
      }),
    // Decrypted outside guard(): tokens that cannot be decrypted are an "authorize again", not a Redis failure.
    get: async (grantId) => parseGrant(await guard(() => redis.hgetall(keys.grant(grantId))), cipher, grantId),
    status: (grantId) =>
      guard(async () => {
        const [version, dead, expiresAt] = await redis.hmget(keys.grant(grantId), 'version', 'dead', 'expiresAt');
        return version ? { version: Number(version), dead: dead === '1', expiresAt: Number(expiresAt) } : null;
      }),
    replaceTokens: async (grantId, expectedVersion, tokens, lockOwner = '') => {
      const fields = Object.entries(grantFields(tokens, cipher, grantId)).flat();
      const reply = await guard(() => replaceTokens(...both(grantId), String(expectedVersion), lockOwner, ...fields));
      return reply ? parseGrant(pairsToObject(reply), cipher, grantId) : null;
    },
    markDead: (grantId, expectedVersion, lockOwner = '') =>
      guard(async () => (await markDead(...both(grantId), String(expectedVersion), lockOwner)) === 1),
    delete: (grantId) =>
      guard(async () => {
        const userId = await deleteGrant(...both(grantId));
        if (userId) await userGrants.remove(Number(userId), [grantId]);
      }),
    deleteAllOfUser: (userId) =>
      guard(async () => {
        const grantIds = await userGrants.list(userId);
        // Each grant has a hash tag of its own: one command per grant, never one across slots.
        const ended = await Promise.all(grantIds.map(endLogin));
        // Only the ids handled: a login listed meanwhile stays listed (and alive: it came after the sign-out).
        await userGrants.remove(userId, grantIds);
        return ended.filter(Boolean).length;
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
