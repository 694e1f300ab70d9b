import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { pairsToObject, parseUser, tokenFields, userFields } from './records.js';
import { defineScript } from './scripts.js';
import { guard } from './store-error.js';
import type { TokenCipher } from './token-cipher.js';
import type { UserRepository } from './types.js';
import type { WechatPublicAuthModel } from './user-model.js';

/**
 * The openid's id: the one already claimed, else `ARGV[1]`. Concurrent first logins of one openid each bring a
 * number from the sequence; the first to claim wins and the others take its id (their numbers stay unused).
 */
const CLAIM_ID = `
local id = redis.call('GET', KEYS[1])
if id then return id end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** Writes the record (keeping createdAt) and returns all of it. */
const UPSERT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

/** Only an existing record is updated: a deleted user is not resurrected by a refresh. */
const UPDATE_TOKENS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/**
 * The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by openid and unionid, every key under
 * a hash tag of its own so users spread over a cluster. The openid index is the truth about a user's id: it is
 * claimed once, and a record is (re)written under whatever id it holds. A returning user's login is two round
 * trips (the id; then the record, and the unionid index beside it); a first login two more (a number from the
 * sequence, the claim). The tokens on a record are sealed by `cipher`.
 */
export function createRedisUsers(redis: RedisClient, keys: Keys, cipher: TokenCipher): UserRepository {
  const claimId = defineScript<string>(redis, 'wechatUserClaimId', CLAIM_ID, 1);
  const upsert = defineScript<string[]>(redis, 'wechatUserUpsertRecord', UPSERT, 1);
  const updateTokens = defineScript<number>(redis, 'wechatUserUpdateTokens', UPDATE_TOKENS, 1);

  async function idForOpenid(openid: string): Promise<string> {
    const known = await redis.get(keys.userByOpenid(openid));
    if (known) return known;
    return claimId(keys.userByOpenid(openid), await redis.incr(keys.userSequence));
  }
  async function findById(id: number | string): Promise<WechatPublicAuthModel | null> {
    return parseUser(await redis.hgetall(keys.user(id)), cipher);
  }
  async function findByIndex(indexKey: string): Promise<WechatPublicAuthModel | null> {
    const id = await redis.get(indexKey);
    return id ? findById(id) : null;
  }

  return {
    upsert: (profile, tokens, now) =>
      guard(async () => {
        const id = await idForOpenid(profile.openid);
        const fields = Object.entries({ id, ...userFields(profile, tokens, now, cipher, id) }).flat();
        const [record] = await Promise.all([
          upsert(keys.user(id), now, ...fields),
          profile.unionid ? redis.set(keys.userByUnionid(profile.unionid), id) : undefined,
        ]);
        return parseUser(pairsToObject(record), cipher)!;
      }),
    updateTokens: (id, tokens, now) =>
      guard(async () => {
        await updateTokens(keys.user(id), ...Object.entries(tokenFields(tokens, now, cipher, id)).flat());
      }),
    findById: (id) => guard(() => findById(id)),
    findByOpenid: (openid) => guard(() => findByIndex(keys.userByOpenid(openid))),
    findByUnionid: (unionid) => guard(() => findByIndex(keys.userByUnionid(unionid))),
  };
}
