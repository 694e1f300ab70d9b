import { randomBytes } from 'node:crypto';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import type { RateLimitHit, RateLimitVerdict } from '../store/types.js';

/**
 * A sliding window log: one sorted set per limit and client, holding the times of the hits it allowed (by the
 * caller's clock, so an injected clock moves the window). One script on one key, one round trip: count the hits
 * inside the window (read only), and only when under the limit add this one, forget those that left and push
 * the expiry. A refused hit writes nothing; an allowed one writes first with ZADD, so Redis out of memory refuses
 * it (a script is checked at its first write). The set never holds more than `limit` members, and it expires
 * (real time) one window after its last allowed hit.
 * ARGV: now, window, limit, a unique member, '(' + (now - window). Returns [allowed (1/0), ms until a place frees].
 */
const HIT_LUA = `
local key = KEYS[1]
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('ZCOUNT', key, ARGV[5], '+inf') < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  redis.call('PEXPIRE', key, window)
  return {1, 0}
end
local oldest = redis.call('ZRANGEBYSCORE', key, ARGV[5], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {0, tonumber(oldest[2]) + window - now}
`;

export function createRedisRateLimit(redis: RedisClient, keys: Pick<Keys, 'rateLimit'>) {
  const hit = defineScript<[number, number]>(redis, 'wolRateLimitHit', HIT_LUA, 1);
  return {
    hitRateLimit({ name, key, limit, windowMs, now, member }: RateLimitHit): Promise<RateLimitVerdict> {
      return guard(async () => {
        const window = Math.ceil(windowMs);
        // A random member unless named: two hits in the same millisecond are two hits.
        const id = member ?? randomBytes(8).toString('hex');
        const [allowed, retryAfterMs] = await hit(keys.rateLimit(name, key), now, window, limit, id, `(${now - window}`);
        return allowed === 1 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: clampRetry(retryAfterMs, windowMs) };
      });
    },
    forgetRateLimitHit({ name, key, member }: Pick<RateLimitHit, 'name' | 'key'> & { member: string }): Promise<void> {
      return guard(async () => {
        await redis.zrem(keys.rateLimit(name, key), member);
      });
    },
  };
}

/** Another process's clock may run ahead of ours: never ask a client to wait longer than one window. */
export function clampRetry(retryAfterMs: number, windowMs: number): number {
  return Math.min(Math.max(retryAfterMs, 1), windowMs);
}
