import { createWechatApiClient, type WechatApiClient, type WechatApiClientOptions } from './api-client.js';
import { WECHAT_ERRCODES, hasErrcode } from '../errors.js';
import type {
  WechatAccessTokenResponse,
  WechatLang,
  WechatRefreshTokenResponse,
  WechatUserProfile,
} from './types.js';

export interface WechatServiceOptions extends WechatApiClientOptions {
  /** Language of profile fields. Default 'zh_CN'. */
  lang?: WechatLang;
}

/**
 * The seed's service surface, kept by name so a JitAi user recognises it, over the typed API client.
 */
export interface WechatService extends WechatApiClient {
  /** The seed's name for the code exchange: `{ access_token, expires_in, refresh_token, openid, scope, unionid?, is_snapshotuser? }`. */
  getAccessToken(code: string): Promise<WechatAccessTokenResponse>;
  /**
   * Exchanges the code and, for snsapi_userinfo, reads the profile. With snsapi_base (or a snapshot user,
   * whose profile WeChat refuses) it returns what the token gives — openid and unionid — without /sns/userinfo.
   */
  getUserInfo(code: string): Promise<WechatUserProfile>;
  refreshToken(refreshToken: string): Promise<WechatRefreshTokenResponse>;
}

/**
 * @example
 * const service = createWechatService({ appId, appSecret });
 * const profile = await service.getUserInfo(String(req.query.code));
 */
export function createWechatService(options: WechatServiceOptions): WechatService {
  const client = createWechatApiClient(options);
  const lang = options.lang ?? 'zh_CN';
  return {
    ...client,
    getAccessToken: (code) => client.exchangeCode(code),
    async getUserInfo(code) {
      const tokens = await client.exchangeCode(code);
      return profileFromTokens(client, tokens, lang);
    },
  };
}

/** The profile a token grants: /sns/userinfo for a real userinfo grant, the token's own ids otherwise. */
export async function profileFromTokens(
  client: Pick<WechatApiClient, 'fetchUserInfo'>,
  tokens: Pick<WechatAccessTokenResponse, 'access_token' | 'openid' | 'scope' | 'unionid' | 'is_snapshotuser'>,
  lang: WechatLang,
): Promise<WechatUserProfile> {
  const ids: WechatUserProfile = { openid: tokens.openid, ...(tokens.unionid ? { unionid: tokens.unionid } : {}) };
  if (!hasUserinfoScope(tokens.scope) || tokens.is_snapshotuser === 1) return ids;
  try {
    const info = await client.fetchUserInfo(tokens.access_token, tokens.openid, lang);
    return {
      openid: info.openid,
      ...(info.unionid ?? tokens.unionid ? { unionid: info.unionid ?? tokens.unionid } : {}),
      nickname: info.nickname,
      headimgurl: info.headimgurl,
      sex: info.sex,
      province: info.province,
      city: info.city,
      country: info.country,
    };
  } catch (error) {
    // A snapshot-page token can claim userinfo scope and still be refused: the ids are all there is.
    if (hasErrcode(error, WECHAT_ERRCODES.API_UNAUTHORIZED)) return ids;
    throw error;
  }
}

export function hasUserinfoScope(scope: string | undefined): boolean {
  // A website app's snsapi_login grants /sns/userinfo as snsapi_userinfo does.
  return (scope ?? '').split(',').some((granted) => granted === 'snsapi_userinfo' || granted === 'snsapi_login');
}
