import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { defineScript } from '../store/scripts.js';
import { MAX_GRANTS_PER_USER, type UserGrantIndex } from './user-grants.js';

/**
 * KEYS[1]: the user's grants (a sorted set scored by expiry, ms). ARGV: grantId, ttlMs, max. On Redis's own
 * clock, as the grant keys' TTLs are: the new one is added first (so out of memory, Redis refuses the script),
 * expired members go, the oldest past `max` are returned and removed, and the set expires with its
 * longest-lived member.
 */
const ADD = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local pushedOut = {}
if over > 0 then
  pushedOut = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now))
return pushedOut`;

/** One key per user, tagged by the user id: each call is one command on one slot. */
export function createRedisUserGrants(redis: RedisClient, keys: Pick<Keys, 'userGrants'>, max = MAX_GRANTS_PER_USER): UserGrantIndex {
  const add = defineScript<string[]>(redis, 'wechatUserGrantsAdd', ADD, 1);
  return {
    add: (userId, grantId, ttlMs) => add(keys.userGrants(userId), grantId, Math.max(1, Math.ceil(ttlMs)), max),
    list: (userId) => redis.zrange(keys.userGrants(userId), 0, -1),
    async remove(userId, grantIds) {
      if (grantIds.length > 0) await redis.zrem(keys.userGrants(userId), ...grantIds);
    },
  };
}
