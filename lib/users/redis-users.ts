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

/** Writes the record (keeping createdAt, and `openid`, the first app's, once set) and returns all of it. */
const UPSERT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[1])
redis.call('HSETNX', KEYS[1], 'openid', ARGV[2])
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
 * The stored users (WechatPublicAuthModel) in Redis hashes, with indexes by each app's openid and by unionid,
 * every key under a hash tag of its own so users spread over a cluster. A person's id is claimed once, on one key:
 * the unionid's index when WeChat gave a unionid (so logins through the Official Account and the website app, even
 * concurrent first ones on two processes, agree), else the app's openid index; the openid index then points at
 * it. A record is (re)written under whatever id was claimed. A returning user's login is two round trips (the
 * indexes; then the record); a first login three more (0.1.0's index, a number from the sequence, the claim) and
 * the openid index. Users 0.1.0 stored under one tag are read where they are until they log in again, which
 * writes them here with their id and createdAt. The tokens on a record are sealed by `cipher`.
 */
export function createRedisUsers(redis: RedisClient, keys: Keys, cipher: TokenCipher): UserRepository {
  const claimId = defineScript<string>(redis, 'wechatUserClaimId', CLAIM_ID, 1);
  const upsert = defineScript<string[]>(redis, 'wechatUserUpsertRecord', UPSERT, 1);
  const updateTokens = defineScript<number>(redis, 'wechatUserUpdateTokens', UPDATE_TOKENS, 1);
  const official = keys.appId;

  /** The id claimed on `claimKey`: `known` if it has none yet, else 0.1.0's id of this person, else a new one. */
  async function claim(claimKey: string, known: string | null, legacyIndexKeys: string[]): Promise<{ id: string; legacyId: string | null }> {
    let legacyId: string | null = null;
    if (!known) for (const key of legacyIndexKeys) legacyId ??= await redis.get(key);
    // Ids carry on from 0.1.0's sequence (the same key), so a user of 0.1.0 keeps theirs, and no id is reused.
    const id = await claimId(claimKey, known ?? legacyId ?? (await redis.incr(keys.userSequence)));
    return { id, legacyId };
  }

  /** This login's person: their id, and for a user of 0.1.0 logging in again, the createdAt of their record there. */
  async function idOfPerson(appId: string, openid: string, unionid: string | undefined): Promise<{ id: string; createdAt?: string }> {
    const openidKey = keys.userByAppOpenid(appId, openid);
    const legacyOpenidKeys = appId === official ? [keys.legacyUserByOpenid(openid)] : [];
    let result: { id: string; legacyId: string | null };
    if (!unionid) {
      const known = await redis.get(openidKey);
      if (known) return { id: known };
      result = await claim(openidKey, null, legacyOpenidKeys);
    } else {
      const [known, ofUnionid] = await Promise.all([redis.get(openidKey), redis.get(keys.userByUnionid(unionid))]);
      if (known && known === ofUnionid) return { id: known };
      // The unionid is the person: its id wins over an openid index written before WeChat gave one (a base-scope
      // login), and the openid index follows it.
      result = ofUnionid
        ? { id: ofUnionid, legacyId: null }
        : await claim(keys.userByUnionid(unionid), known, [...legacyOpenidKeys, keys.legacyUserByUnionid(unionid)]);
      if (result.id !== known) await redis.set(openidKey, result.id);
    }
    const { id, legacyId } = result;
    const createdAt = legacyId === id ? await redis.hget(keys.legacyUser(id), 'createdAt') : null;
    return createdAt ? { id, createdAt } : { id };
  }
  async function findById(id: number | string): Promise<WechatPublicAuthModel | null> {
    const record = await redis.hgetall(keys.user(id));
    return parseUser(Object.keys(record).length > 0 ? record : await redis.hgetall(keys.legacyUser(id)), cipher, official);
  }
  async function findByIndex(indexKey: string, legacyIndexKey: string | undefined): Promise<WechatPublicAuthModel | null> {
    const id = (await redis.get(indexKey)) ?? (legacyIndexKey ? await redis.get(legacyIndexKey) : null);
    return id ? findById(id) : null;
  }

  return {
    upsert: (profile, tokens, now) =>
      guard(async () => {
        const appId = profile.appId ?? official;
        const { id, createdAt = now } = await idOfPerson(appId, profile.openid, profile.unionid || undefined);
        const fields = Object.entries({ id, ...userFields(profile, appId, tokens, now, cipher, id) }).flat();
        const record = await upsert(keys.user(id), createdAt, profile.openid, ...fields);
        return parseUser(pairsToObject(record), cipher, official)!;
      }),
    updateTokens: (id, tokens, now, { loggedInAt, signOut = false } = {}) =>
      guard(async () => {
        const fields = Object.entries(tokenFields(tokens, now, cipher, id)).flat();
        await updateTokens(keys.user(id), loggedInAt === undefined ? '' : String(loggedInAt), signOut ? '1' : '0', ...fields);
      }),
    findById: (id) => guard(() => findById(id)),
    findByOpenid: (openid, appId = official) =>
      guard(() => findByIndex(keys.userByAppOpenid(appId, openid), appId === official ? keys.legacyUserByOpenid(openid) : undefined)),
    findByUnionid: (unionid) => guard(() => findByIndex(keys.userByUnionid(unionid), keys.legacyUserByUnionid(unionid))),
  };
}
