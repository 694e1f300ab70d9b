/** Shapes of WeChat's web-authorization answers (snake_case, as WeChat sends them). */

export type WechatScope = 'snsapi_base' | 'snsapi_userinfo';

/** Whether `value` (from a query, a cookie, an option) is one of the two scopes. */
export function isWechatScope(value: unknown): value is WechatScope {
  return value === 'snsapi_base' || value === 'snsapi_userinfo';
}
export type WechatLang = 'zh_CN' | 'zh_TW' | 'en';

/** /sns/oauth2/access_token — also the seed's `getAccessToken(code)` result. */
export interface WechatAccessTokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: string;
  unionid?: string;
  /** 1 when WeChat showed a snapshot page: the identity is virtual, create no account. */
  is_snapshotuser?: number;
}

/** /sns/oauth2/refresh_token */
export interface WechatRefreshTokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: string;
}

/** /sns/userinfo */
export interface WechatUserInfoResponse {
  openid: string;
  nickname: string;
  /** 0 unknown, 1 male, 2 female; WeChat has answered 0 for everyone since 2021-10-20. */
  sex: number;
  province: string;
  city: string;
  country: string;
  headimgurl: string;
  privilege: string[];
  unionid?: string;
}

/** The seed's `getUserInfo(code)` result. With snsapi_base only openid (and unionid, if any) are known. */
export interface WechatUserProfile {
  openid: string;
  unionid?: string;
  nickname?: string;
  headimgurl?: string;
  sex?: number;
  province?: string;
  city?: string;
  country?: string;
}
