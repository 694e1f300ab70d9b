import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { pairsToObject, parseUser, tokenFields, userFields } from './records.js';
import { defineScript } from './scripts.js';
import { guard } from './store-error.js';
import type { UserRepository } from './types.js';
import type { WechatPublicAuthModel } from './user-model.js';

/** The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by openid and unionid. */
/** The user's id by openid, allocated from the app's sequence on first sight: atomic, so no race on a first login. */
const ID_FOR_OPENID = `
local id = redis.call('GET', KEYS[1])
if id then return id end
id = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], id)
return tostring(id)`;

/** Writes the record (keeping createdAt), indexes the unionid when there is one, and returns the whole record. */
const UPSERT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[2])
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[1]) end
return redis.call('HGETALL', KEYS[1])`;

/** Only an existing record is updated: a deleted user is not resurrected by a refresh. */
const UPDATE_TOKENS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/**
 * The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by openid and unionid. A login's
 * upsert is two round trips (id, then record), every key declared and under the app's users hash tag.
 */
export function createRedisUsers(redis: Redis, keys: Keys): UserRepository {
  const idForOpenid = defineScript<string>(redis, 'wechatUserIdForOpenid', ID_FOR_OPENID, 2);
  const upsert = defineScript<string[]>(redis, 'wechatUserUpsert', UPSERT);
  const updateTokens = defineScript<number>(redis, 'wechatUserUpdateTokens', UPDATE_TOKENS, 1);

  async function findById(id: number): Promise<WechatPublicAuthModel | null> {
    return parseUser(await redis.hgetall(keys.user(id)));
  }
  async function findByIndex(indexKey: string): Promise<WechatPublicAuthModel | null> {
    const id = await redis.get(indexKey);
    return id ? findById(Number(id)) : null;
  }

  return {
    upsert: (profile, tokens, now) =>
      guard(async () => {
        const id = await idForOpenid(keys.userByOpenid(profile.openid), keys.userSequence);
        const indexKeys = profile.unionid ? [keys.user(Number(id)), keys.userByUnionid(profile.unionid)] : [keys.user(Number(id))];
        const fields = Object.entries({ id, ...userFields(profile, tokens, now) }).flat();
        return parseUser(pairsToObject(await upsert(indexKeys.length, ...indexKeys, id, now, ...fields)))!;
      }),
    updateTokens: (id, tokens, now) =>
      guard(async () => {
        await updateTokens(keys.user(id), ...Object.entries(tokenFields(tokens, now)).flat());
      }),
    findById: (id) => guard(() => findById(id)),
    findByOpenid: (openid) => guard(() => findByIndex(keys.userByOpenid(openid))),
    findByUnionid: (unionid) => guard(() => findByIndex(keys.userByUnionid(unionid))),
  };
}
