import { randomBytes } from 'node:crypto';
import type { UserProfileInput, UserTokensInput, WechatPublicAuthModel } from './user-model.js';
import type { GrantRecord, GrantTokens, NewGrant } from './types.js';

/** Flat string maps, as Redis hashes hold them, and back. Shared by the Redis and memory stores. */

export function userFields(profile: UserProfileInput, tokens: UserTokensInput, now: number): Record<string, string> {
  const fields: Record<string, string> = {
    openid: profile.openid,
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
  return fields;
}

export function tokenFields(tokens: UserTokensInput, now: number): Record<string, string> {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: String(tokens.expiresIn),
    updatedAt: String(now),
  };
}

export function parseUser(hash: Record<string, string>): WechatPublicAuthModel | null {
  if (!hash.id || !hash.openid) return null;
  const text = (key: string) => (hash[key] === undefined ? null : hash[key]!);
  return {
    id: Number(hash.id),
    openid: hash.openid,
    unionid: text('unionid'),
    nickname: text('nickname'),
    headimgurl: text('headimgurl'),
    sex: hash.sex === undefined ? null : Number(hash.sex),
    province: text('province'),
    city: text('city'),
    country: text('country'),
    accessToken: hash.accessToken ?? '',
    refreshToken: hash.refreshToken ?? '',
    expiresIn: Number(hash.expiresIn ?? 0),
    createdAt: new Date(Number(hash.createdAt)),
    updatedAt: new Date(Number(hash.updatedAt)),
  };
}

export function grantFields(grant: NewGrant | GrantTokens): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(grant)) out[key] = String(value);
  return out;
}

export function parseGrant(hash: Record<string, string>): GrantRecord | null {
  if (!hash.version) return null;
  return {
    accessToken: hash.accessToken ?? '',
    refreshToken: hash.refreshToken ?? '',
    expiresAt: Number(hash.expiresAt),
    refreshExpiresAt: Number(hash.refreshExpiresAt),
    expiresIn: Number(hash.expiresIn),
    scope: hash.scope ?? '',
    openid: hash.openid ?? '',
    userId: Number(hash.userId),
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
