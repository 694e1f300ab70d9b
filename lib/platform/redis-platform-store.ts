import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import type { ForceRefreshQuota, PlatformCredential, PlatformStore } from '../store/platform-types.js';
import { FORCE_REFRESH_PER_DAY, FORCE_REFRESH_SPACING_MS, beijingDay } from './force-quota.js';

/** KEYS: credential, lock. ARGV: json, ttlMs, owner. The write and the lock's return in one step. */
const SAVE = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;

/** KEYS: lock. ARGV: owner. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS: credential, lock. */
const PEEK = `return {redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[2])}`;

/** KEYS: quota hash. ARGV: now, day, max per day, spacing ms. */
const TAKE_FORCE = `
local f = redis.call('HMGET', KEYS[1], 'day', 'count', 'last')
local now, day = tonumber(ARGV[1]), ARGV[2]
local count = 0
if f[1] == day then count = tonumber(f[2]) end
if count >= tonumber(ARGV[3]) then return 'daily' end
if f[3] and now - tonumber(f[3]) < tonumber(ARGV[4]) then return 'spacing' end
redis.call('HSET', KEYS[1], 'day', day, 'count', count + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], 2 * 24 * 3600 * 1000)
return 'ok'`;

/** Every key under the app's {appId:platform} tag (store/keys.ts): each script runs on one Cluster node. */
export function createRedisPlatformStore(
  redis: RedisClient,
  keys: Pick<Keys, 'platformCredential' | 'platformLock' | 'platformForceQuota'>,
): PlatformStore {
  const save = defineScript<number>(redis, 'wechatPlatformSave', SAVE, 2);
  const unlock = defineScript<number>(redis, 'wechatPlatformUnlock', UNLOCK, 1);
  const peek = defineScript<[string | null, number]>(redis, 'wechatPlatformPeek', PEEK, 2);
  const takeForce = defineScript<string>(redis, 'wechatPlatformTakeForce', TAKE_FORCE, 1);

  return {
    read: (kind) => guard(async () => parse(await redis.get(keys.platformCredential(kind)))),
    peek: (kind) =>
      guard(async () => {
        const [text, locked] = await peek(keys.platformCredential(kind), keys.platformLock(kind));
        return { credential: parse(text), locked: Number(locked) === 1 };
      }),
    tryLock: (kind, owner, ttlMs) => guard(async () => (await redis.set(keys.platformLock(kind), owner, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK'),
    save: (kind, credential, owner, now) =>
      guard(async () => {
        const ttlMs = Math.max(1, Math.ceil(credential.expiresAt - now));
        await save(keys.platformCredential(kind), keys.platformLock(kind), JSON.stringify(credential), ttlMs, owner);
      }),
    unlock: (kind, owner) =>
      guard(async () => {
        await unlock(keys.platformLock(kind), owner);
      }),
    takeForceRefresh: (now) =>
      guard(async () => (await takeForce(keys.platformForceQuota, now, beijingDay(now), FORCE_REFRESH_PER_DAY, FORCE_REFRESH_SPACING_MS)) as ForceRefreshQuota),
  };
}

function parse(text: string | null): PlatformCredential | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as PlatformCredential;
    return typeof value.value === 'string' && typeof value.expiresAt === 'number' && typeof value.refreshAt === 'number' ? value : null;
  } catch {
    return null;
  }
}
