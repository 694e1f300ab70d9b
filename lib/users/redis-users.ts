import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { pairsToObject, parseUser, tokenFields, userFields } from '../store/records.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import type { TokenCipher } from '../store/token-cipher.js';
import type { UserRepository } from '../store/types.js';
import type { WechatPublicAuthModel } from '../store/user-model.js';

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

/**
 * Only an existing record is updated: a deleted user is not resurrected by a refresh. ARGV[1]: the login time of
 * the grant the tokens come from ('' if none): a refresh that saved its tokens just before a sign-out everywhere
 * does not copy them back after it. ARGV[2]: '1' when this write is that sign-out (remembered as signedOutAt).
 */
const UPDATE_TOKENS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local signedOutAt = tonumber(redis.call('HGET', KEYS[1], 'signedOutAt') or '')
if ARGV[1] ~= '' and signedOutAt and tonumber(ARGV[1]) <= signedOutAt then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'signedOutAt', redis.call('HGET', KEYS[1], 'updatedAt')) end
return 1`;

/**
 * The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by openid and unionid, every key under
 * a hash tag of its own so users spread over a cluster. The openid index is the truth about a user's id: it is
 * claimed once, and a record is (re)written under whatever id it holds. A returning user's login is two round
 * trips (the id; then the record, and the unionid index beside it); a first login three more (0.1.0's index, a
 * number from the sequence, the claim). Users 0.1.0 stored under one tag are read where they are until they log in
 * again, which writes them here with their id and createdAt. The tokens on a record are sealed by `cipher`.
 */
export function createRedisUsers(redis: RedisClient, keys: Keys, cipher: TokenCipher): UserRepository {
  const claimId = defineScript<string>(redis, 'wechatUserClaimId', CLAIM_ID, 1);
  const upsert = defineScript<string[]>(redis, 'wechatUserUpsertRecord', UPSERT, 1);
  const updateTokens = defineScript<number>(redis, 'wechatUserUpdateTokens', UPDATE_TOKENS, 1);

  /** The openid's id, and for a user of 0.1.0 logging in again, the createdAt of their record there. */
  async function idForOpenid(openid: string): Promise<{ id: string; createdAt?: string }> {
    const known = await redis.get(keys.userByOpenid(openid));
    if (known) return { id: known };
    // Ids carry on from 0.1.0's sequence (the same key), so a user of 0.1.0 keeps theirs, and no id is reused.
    const legacyId = await redis.get(keys.legacyUserByOpenid(openid));
    const id = await claimId(keys.userByOpenid(openid), legacyId ?? (await redis.incr(keys.userSequence)));
    const createdAt = legacyId === id ? await redis.hget(keys.legacyUser(id), 'createdAt') : null;
    return createdAt ? { id, createdAt } : { id };
  }
  async function findById(id: number | string): Promise<WechatPublicAuthModel | null> {
    const record = await redis.hgetall(keys.user(id));
    return parseUser(Object.keys(record).length > 0 ? record : await redis.hgetall(keys.legacyUser(id)), cipher);
  }
  async function findByIndex(indexKey: string, legacyIndexKey: string): Promise<WechatPublicAuthModel | null> {
    const id = (await redis.get(indexKey)) ?? (await redis.get(legacyIndexKey));
    return id ? findById(id) : null;
  }

  return {
    upsert: (profile, tokens, now) =>
      guard(async () => {
        const { id, createdAt = now } = await idForOpenid(profile.openid);
        const fields = Object.entries({ id, ...userFields(profile, tokens, now, cipher, id) }).flat();
        const [record] = await Promise.all([
          upsert(keys.user(id), createdAt, ...fields),
          profile.unionid ? redis.set(keys.userByUnionid(profile.unionid), id) : undefined,
        ]);
        return parseUser(pairsToObject(record), cipher)!;
      }),
    updateTokens: (id, tokens, now, { loggedInAt, signOut = false } = {}) =>
      guard(async () => {
        const fields = Object.entries(tokenFields(tokens, now, cipher, id)).flat();
        await updateTokens(keys.user(id), loggedInAt === undefined ? '' : String(loggedInAt), signOut ? '1' : '0', ...fields);
      }),
    findById: (id) => guard(() => findById(id)),
    findByOpenid: (openid) => guard(() => findByIndex(keys.userByOpenid(openid), keys.legacyUserByOpenid(openid))),
    findByUnionid: (unionid) => guard(() => findByIndex(keys.userByUnionid(unionid), keys.legacyUserByUnionid(unionid))),
  };
}
