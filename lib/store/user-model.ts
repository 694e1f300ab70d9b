/** The stored user record: the seed's `WechatPublicAuthModel`. */
export interface WechatPublicAuthModel {
  /** Auto-increment id, per appId. Kept across upserts. */
  id: number;
  /**
   * The openid of the app this person first logged in through (the Official Account for every user stored
   * before a website app was configured). Each app has its own: see `openids`.
   */
  openid: string;
  /**
   * The person's openid in each app they logged in through, by appId (the Official Account's and the website
   * app's). Logins through two apps share one record only when WeChat gave both the same `unionid`.
   */
  openids: Record<string, string>;
  unionid: string | null;
  nickname: string | null;
  headimgurl: string | null;
  sex: number | null;
  province: string | null;
  city: string | null;
  country: string | null;
  /** The latest access token of this user's latest authorization (each session keeps its own too). */
  accessToken: string;
  refreshToken: string;
  /** Lifetime of `accessToken` in seconds, as WeChat gave it (7200). */
  expiresIn: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The user record without tokens: what may leave the server (e.g. as JSON to the browser). */
export type WechatPublicUser = Omit<WechatPublicAuthModel, 'accessToken' | 'refreshToken'>;

export function toPublicUser(user: WechatPublicAuthModel): WechatPublicUser {
  const { accessToken: _a, refreshToken: _r, ...rest } = user;
  return rest;
}

/** What a login or a refresh writes into the user record. */
export interface UserProfileInput {
  openid: string;
  /** The app the openid belongs to (the one the login came through). Default: the store's Official Account. */
  appId?: string | undefined;
  unionid?: string | undefined;
  nickname?: string | undefined;
  headimgurl?: string | undefined;
  sex?: number | undefined;
  province?: string | undefined;
  city?: string | undefined;
  country?: string | undefined;
}

export interface UserTokensInput {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
