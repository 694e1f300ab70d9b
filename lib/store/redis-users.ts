import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { parseUser, tokenFields, userFields } from './records.js';
import { guard } from './store-error.js';
import type { UserRepository } from './types.js';
import type { WechatPublicAuthModel } from './user-model.js';

/** The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by openid and unionid. */
export function createRedisUsers(redis: Redis, keys: Keys): UserRepository {
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

