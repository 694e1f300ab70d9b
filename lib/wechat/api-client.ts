import type { Got } from 'got';
import { WECHAT_ERRCODES, WechatArgumentError, hasErrcode, type WechatEndpoint } from '../errors.js';
import { buildAuthorizeUrl, buildQrConnectUrl, type AuthorizeUrlParams, type QrConnectUrlParams } from './authorize-url.js';
import { resolveApiClientOptions, type WechatApiClientOptions } from './client-options.js';
import { createWechatHttp } from './http.js';
import { callWechat } from './response.js';
import type { WechatAccessTokenResponse, WechatLang, WechatRefreshTokenResponse, WechatUserInfoResponse } from './types.js';

export { buildAuthorizeUrl, buildQrConnectUrl, type AuthorizeUrlParams, type QrConnectUrlParams } from './authorize-url.js';
export {
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTHORIZE_BASE_URL,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  resolveApiClientOptions,
  type ResolvedApiClientOptions,
  type RetryOptions,
  type WechatApiClientOptions,
} from './client-options.js';

export interface WechatApiClient {
  buildAuthorizeUrl(params: AuthorizeUrlParams): string;
  /** WeChat's QR sign-in page (`/connect/qrconnect`, scope snsapi_login): for an Open Platform website app's client. */
  buildQrConnectUrl(params: QrConnectUrlParams): string;
  /** code → tokens. Never retried once the request may have reached WeChat: a code is single-use. */
  exchangeCode(code: string): Promise<WechatAccessTokenResponse>;
  refreshToken(refreshToken: string): Promise<WechatRefreshTokenResponse>;
  fetchUserInfo(accessToken: string, openid: string, lang?: WechatLang): Promise<WechatUserInfoResponse>;
  /** /sns/auth: true when the token is valid for this openid, false when WeChat says it is not (40001/40003/42001). */
  checkAccessToken(accessToken: string, openid: string): Promise<boolean>;
}

/**
 * The typed HTTP client for WeChat's web-authorization endpoints.
 *
 * @example
 * const wechat = createWechatApiClient({ appId: 'wx…', appSecret: process.env.WECHAT_APP_SECRET! });
 * const tokens = await wechat.exchangeCode(req.query.code);
 */
export function createWechatApiClient(options: WechatApiClientOptions): WechatApiClient {
  const resolved = resolveApiClientOptions(options);
  const { appId, appSecret, authorizeBaseUrl } = resolved;
  const { http, codeHttp } = createWechatHttp(resolved);
  const call = <T>(client: Got, endpoint: WechatEndpoint, path: string, params: Record<string, string>, extraSecrets: string[] = []) =>
    callWechat<T>(client, endpoint, path, params, [appSecret, ...extraSecrets]);

  return {
    buildAuthorizeUrl: (params) => buildAuthorizeUrl(authorizeBaseUrl, appId, params),
    buildQrConnectUrl: (params) => buildQrConnectUrl(authorizeBaseUrl, appId, params),

    async exchangeCode(code) {
      requireString('code', code);
      return call<WechatAccessTokenResponse>(
        codeHttp,
        'access_token',
        'sns/oauth2/access_token',
        { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' },
        [code],
      );
    },

    async refreshToken(refreshToken) {
      requireString('refreshToken', refreshToken);
      return call<WechatRefreshTokenResponse>(
        http,
        'refresh_token',
        'sns/oauth2/refresh_token',
        { appid: appId, grant_type: 'refresh_token', refresh_token: refreshToken },
        [refreshToken],
      );
    },

    async fetchUserInfo(accessToken, openid, lang = 'zh_CN') {
      requireString('accessToken', accessToken);
      requireString('openid', openid);
      return call<WechatUserInfoResponse>(
        http,
        'userinfo',
        'sns/userinfo',
        { access_token: accessToken, openid, lang },
        [accessToken],
      );
    },

    async checkAccessToken(accessToken, openid) {
      requireString('accessToken', accessToken);
      requireString('openid', openid);
      try {
        await call(http, 'auth', 'sns/auth', { access_token: accessToken, openid }, [accessToken]);
        return true;
      } catch (error) {
        const { INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, INVALID_OPENID } = WECHAT_ERRCODES;
        if (hasErrcode(error, INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, INVALID_OPENID)) return false;
        throw error;
      }
    },
  };
}

function requireString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new WechatArgumentError(`"${name}" must be a non-empty string of at most 512 characters`);
  }
}

