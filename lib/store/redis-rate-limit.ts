import { randomBytes } from 'node:crypto';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { defineScript } from './scripts.js';
import { guard } from './store-error.js';
import type { RateLimitHit, RateLimitVerdict } from './types.js';

/**
 * A sliding window log: one sorted set per limit and client, holding the times of the hits it allowed (by the
 * caller's clock, so an injected clock moves the window). One script on one key: forget the hits that left the
 * window, count the rest, and add this hit only when under the limit — a refused hit writes nothing. The set
 * never holds more than `limit` members, and it expires (real time) one window after its last allowed hit.
 * Returns [allowed (1/0), ms until the oldest counted hit leaves the window].
 */
const HIT_LUA = `
local key = KEYS[1]
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`;

export function createRedisRateLimit(redis: RedisClient, keys: Pick<Keys, 'rateLimit'>) {
  const hit = defineScript<[number, number]>(redis, 'wolRateLimitHit', HIT_LUA, 1);
  return function hitRateLimit({ name, key, limit, windowMs, now }: RateLimitHit): Promise<RateLimitVerdict> {
    return guard(async () => {
      // A random member: two hits in the same millisecond are two hits.
      const [allowed, retryAfterMs] = await hit(keys.rateLimit(name, key), now, Math.ceil(windowMs), limit, randomBytes(8).toString('hex'));
      return allowed === 1 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: clampRetry(retryAfterMs, windowMs) };
    });
  };
}

/** Another process's clock may run ahead of ours: never ask a client to wait longer than one window. */
export function clampRetry(retryAfterMs: number, windowMs: number): number {
  return Math.min(Math.max(retryAfterMs, 1), windowMs);
}
