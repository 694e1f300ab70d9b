import { randomBytes } from 'node:crypto';
import { logger } from '../debug.js';
import type { UserProfileInput, UserTokensInput, WechatPublicAuthModel } from './user-model.js';
import type { GrantRecord, GrantTokens, NewGrant } from './types.js';
import { TokenUnreadableError, type TokenCipher } from './token-cipher.js';

const log = logger('store');

/**
 * Flat string maps, as Redis hashes hold them, and back. Shared by the Redis and memory stores. Tokens are
 * sealed by the store's cipher on the way in and opened on the way out, each bound to its record (`grant:<id>`,
 * `user:<id>`) and field, so a ciphertext moved to another record or field does not decrypt.
 */

const TOKEN_FIELDS = ['accessToken', 'refreshToken'] as const;

const grantRecordName = (grantId: string) => `grant:${grantId}`;
const userRecordName = (userId: number | string) => `user:${userId}`;

function sealTokens(fields: Record<string, string>, cipher: TokenCipher, record: string): Record<string, string> {
  for (const field of TOKEN_FIELDS) {
    if (fields[field] !== undefined) fields[field] = cipher.seal(fields[field], `${record}:${field}`);
  }
  return fields;
}

function openToken(hash: Record<string, string>, field: (typeof TOKEN_FIELDS)[number], cipher: TokenCipher, record: string): string {
  const stored = hash[field];
  return stored === undefined ? '' : cipher.open(stored, `${record}:${field}`);
}

/** The record's field holding the person's openid in one app. */
const OPENID_FIELD_PREFIX = 'openid:';
export const appOpenidField = (appId: string) => `${OPENID_FIELD_PREFIX}${appId}`;

/**
 * A login's fields for the record, `appId` the app it came through. The plain `openid` (the first app's) is
 * not among them: the stores write it only when the record has none.
 */
export function userFields(
  profile: UserProfileInput,
  appId: string,
  tokens: UserTokensInput,
  now: number,
  cipher: TokenCipher,
  userId: number | string,
): Record<string, string> {
  const fields: Record<string, string> = {
    [appOpenidField(appId)]: profile.openid,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: String(tokens.expiresIn),
    updatedAt: String(now),
  };
  // A base-scope login knows no profile: keep what an earlier userinfo login stored.
  for (const key of ['unionid', 'nickname', 'headimgurl', 'province', 'city', 'country'] as const) {
    const value = profile[key];
    if (value !== undefined) fields[key] = value;
  }
  if (profile.sex !== undefined) fields.sex = String(profile.sex);
  return sealTokens(fields, cipher, userRecordName(userId));
}

export function tokenFields(tokens: UserTokensInput, now: number, cipher: TokenCipher, userId: number | string): Record<string, string> {
  const fields = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: String(tokens.expiresIn),
    updatedAt: String(now),
  };
  return sealTokens(fields, cipher, userRecordName(userId));
}

/**
 * The user record. Its tokens are a copy of the latest grant's: when they cannot be decrypted (written with a
 * key since dropped) they read as '' rather than making the user unreadable; each login's grant holds the truth.
 * A record written before openids were kept per app has only `openid`: that is `officialAppId`'s.
 */
export function parseUser(hash: Record<string, string>, cipher: TokenCipher, officialAppId?: string): WechatPublicAuthModel | null {
  if (!hash.id || !hash.openid) return null;
  const token = (field: (typeof TOKEN_FIELDS)[number]) => {
    try {
      return openToken(hash, field, cipher, userRecordName(hash.id!));
    } catch (error) {
      if (!(error instanceof TokenUnreadableError)) throw error;
      log('user %s: %s; read as none', hash.id, error.message);
      return '';
    }
  };
  const text = (key: string) => (hash[key] === undefined ? null : hash[key]!);
  const openids: Record<string, string> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith(OPENID_FIELD_PREFIX)) openids[field.slice(OPENID_FIELD_PREFIX.length)] = value;
  }
  // Written before: its `openid` is the Official Account's (unless it is another app's, named as such).
  if (officialAppId && !(officialAppId in openids) && !Object.values(openids).includes(hash.openid)) openids[officialAppId] = hash.openid;
  return {
    id: Number(hash.id),
    openid: hash.openid,
    openids,
    unionid: text('unionid'),
    nickname: text('nickname'),
    headimgurl: text('headimgurl'),
    sex: hash.sex === undefined ? null : Number(hash.sex),
    province: text('province'),
    city: text('city'),
    country: text('country'),
    accessToken: token('accessToken'),
    refreshToken: token('refreshToken'),
    expiresIn: Number(hash.expiresIn ?? 0),
    createdAt: new Date(Number(hash.createdAt)),
    updatedAt: new Date(Number(hash.updatedAt)),
  };
}

export function grantFields(grant: NewGrant | GrantTokens, cipher: TokenCipher, grantId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(grant)) if (value !== undefined) out[key] = String(value);
  return sealTokens(out, cipher, grantRecordName(grantId));
}

/** The grant; TokenUnreadableError (an "authorize again") when its tokens cannot be decrypted. */
export function parseGrant(hash: Record<string, string>, cipher: TokenCipher, grantId: string): GrantRecord | null {
  if (!hash.version) return null;
  return {
    accessToken: openToken(hash, 'accessToken', cipher, grantRecordName(grantId)),
    refreshToken: openToken(hash, 'refreshToken', cipher, grantRecordName(grantId)),
    expiresAt: Number(hash.expiresAt),
    refreshExpiresAt: Number(hash.refreshExpiresAt),
    expiresIn: Number(hash.expiresIn),
    scope: hash.scope ?? '',
    openid: hash.openid ?? '',
    userId: Number(hash.userId),
    ...(hash.appId ? { appId: hash.appId } : {}),
    version: Number(hash.version),
    dead: hash.dead === '1',
  };
}

/** A random grant id, for a grant not created by a session login. */
export function newGrantId(): string {
  return randomBytes(18).toString('base64url');
}

/** A flat [field, value, …] reply (HGETALL from a script) as an object. */
export function pairsToObject(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  return out;
}
