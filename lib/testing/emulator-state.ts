import type { Clock } from '../clock.js';
import type { EmulatorApp, EmulatorUser } from './fixtures.js';
import { derivedId, randomId } from './ids.js';

/** The Official Account's two scopes, and the website app's one. */
export type Scope = 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login';

export const CODE_TTL_MS = 5 * 60 * 1000;
export const ACCESS_TOKEN_TTL_S = 7200;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** An error as WeChat states it, before the request id is appended to errmsg. */
export interface WechatError {
  errcode: number;
  errmsg: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: WechatError };

export const ERRORS = {
  systemError: { errcode: -1, errmsg: 'system error' },
  invalidCredential: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
  invalidGrantType: { errcode: 40002, errmsg: 'invalid grant_type' },
  invalidOpenid: { errcode: 40003, errmsg: 'invalid openid' },
  invalidAppid: { errcode: 40013, errmsg: 'invalid appid' },
  invalidCode: { errcode: 40029, errmsg: 'invalid code' },
  invalidRefreshToken: { errcode: 40030, errmsg: 'invalid refresh_token' },
  invalidAppsecret: { errcode: 40125, errmsg: 'invalid appsecret' },
  codeUsed: { errcode: 40163, errmsg: 'code been used' },
  missingAccessToken: { errcode: 41001, errmsg: 'access_token missing' },
  missingAppid: { errcode: 41002, errmsg: 'appid missing' },
  missingRefreshToken: { errcode: 41003, errmsg: 'refresh_token missing' },
  missingSecret: { errcode: 41004, errmsg: 'appsecret missing' },
  missingCode: { errcode: 41008, errmsg: 'missing code' },
  missingOpenid: { errcode: 41009, errmsg: 'missing openid' },
  accessTokenExpired: { errcode: 42001, errmsg: 'access_token expired' },
  refreshTokenExpired: { errcode: 42002, errmsg: 'refresh_token timeout' },
  apiUnauthorized: { errcode: 48001, errmsg: 'api unauthorized' },
} as const satisfies Record<string, WechatError>;

/** One user's authorization of one app: what a code turns into, and what refresh tokens extend. */
export interface Grant {
  app: EmulatorApp;
  user: EmulatorUser;
  scope: Scope;
  openid: string;
  unionid?: string;
  /** Refresh tokens die 30 days after this, however often they were used. */
  authorizedAt: number;
  refreshToken: string;
  accessToken: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: Scope;
  unionid?: string;
  is_snapshotuser?: 1;
}

interface CodeRecord {
  app: EmulatorApp;
  user: EmulatorUser;
  scope: Scope;
  issuedAt: number;
  used: boolean;
}

interface AccessTokenRecord {
  grant: Grant;
  expiresAt: number;
}

export interface EmulatorStateOptions {
  clock: Clock;
  refreshTokenRotation: 'rotate' | 'same';
}

/** The real, stable openid of a user for an app. */
export function openidOf(userId: string, appId: string): string {
  return derivedId('openid', appId, userId);
}

/** Codes, grants and tokens with their lifetimes, all measured on the emulator's clock. */
export class EmulatorState {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private issuedSinceSweep = 0;

  constructor(private readonly options: EmulatorStateOptions) {}

  issueCode(app: EmulatorApp, user: EmulatorUser, scope: Scope): string {
    this.sweepCodes();
    const code = randomId(32);
    this.codes.set(code, { app, user, scope, issuedAt: this.now(), used: false });
    return code;
  }

  exchangeCode(app: EmulatorApp, code: string): Outcome<TokenResponse> {
    const record = this.codes.get(code);
    // A code issued to another app is as unknown to this one as a made-up code.
    if (!record || record.app.appId !== app.appId) return fail(ERRORS.invalidCode);
    if (record.used) return fail(ERRORS.codeUsed);
    // The doc also lists 42003 "oauth code expired"; WeChat is observed to answer 40029 for expired codes.
    if (this.now() >= record.issuedAt + CODE_TTL_MS) return fail(ERRORS.invalidCode);
    record.used = true;

    const { user, scope } = record;
    const snapshot = user.snapshot === true;
    const grant: Grant = {
      app,
      user,
      scope,
      // Snapshot visitors get a virtual identity, never the user's real openid.
      openid: snapshot ? derivedId('snapshot-openid', app.appId, user.id) : openidOf(user.id, app.appId),
      authorizedAt: this.now(),
      refreshToken: '',
      accessToken: '',
    };
    if (scope !== 'snsapi_base' && app.openPlatform && user.unionid) {
      grant.unionid = snapshot ? derivedId('snapshot-unionid', app.appId, user.id) : user.unionid;
    }
    grant.refreshToken = this.newRefreshToken(grant);
    this.newAccessToken(grant);
    const response = this.tokenResponse(grant);
    if (grant.unionid) response.unionid = grant.unionid;
    if (snapshot) response.is_snapshotuser = 1;
    return { ok: true, value: response };
  }

  refresh(app: EmulatorApp, refreshToken: string): Outcome<TokenResponse> {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant || grant.app.appId !== app.appId) return fail(ERRORS.invalidRefreshToken);
    if (this.now() >= grant.authorizedAt + REFRESH_TOKEN_TTL_MS) return fail(ERRORS.refreshTokenExpired);
    if (this.options.refreshTokenRotation === 'rotate') {
      this.refreshTokens.delete(refreshToken);
      grant.refreshToken = this.newRefreshToken(grant);
    }
    // A grant has one live access token: refreshing revokes the previous one (40001). WeChat does not
    // promise either way; the strict choice makes "lost update" bugs (two requests refreshing at once,
    // one storing a token the other already replaced) fail loudly in tests instead of in production.
    this.accessTokens.delete(grant.accessToken);
    this.newAccessToken(grant);
    return { ok: true, value: this.tokenResponse(grant) };
  }

  /** The grant behind an access token, if the token is live and belongs to `openid`. */
  checkAccessToken(accessToken: string, openid: string): Outcome<Grant> {
    const record = this.accessTokens.get(accessToken);
    if (!record) return fail(ERRORS.invalidCredential);
    if (this.now() >= record.expiresAt) return fail(ERRORS.accessTokenExpired);
    if (record.grant.openid !== openid) return fail(ERRORS.invalidOpenid);
    return { ok: true, value: record.grant };
  }

  private tokenResponse(grant: Grant): TokenResponse {
    return {
      access_token: grant.accessToken,
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: grant.refreshToken,
      openid: grant.openid,
      scope: grant.scope,
    };
  }

  private newRefreshToken(grant: Grant): string {
    const token = randomId(86);
    this.refreshTokens.set(token, grant);
    return token;
  }

  private newAccessToken(grant: Grant): void {
    const token = randomId(86);
    grant.accessToken = token;
    this.accessTokens.set(token, { grant, expiresAt: this.now() + ACCESS_TOKEN_TTL_S * 1000 });
  }

  /** Benchmarks issue codes by the hundred thousand; forget the long-dead ones now and then. */
  private sweepCodes(): void {
    if (++this.issuedSinceSweep < 1000) return;
    this.issuedSinceSweep = 0;
    const horizon = this.now() - 2 * CODE_TTL_MS;
    for (const [code, record] of this.codes) if (record.issuedAt < horizon) this.codes.delete(code);
  }

  private now(): number {
    return this.options.clock.now();
  }
}

function fail(error: WechatError): { ok: false; error: WechatError } {
  return { ok: false, error };
}
