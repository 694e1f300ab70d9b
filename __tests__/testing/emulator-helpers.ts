import type { WechatEmulator } from '../../lib/testing/index.js';

export const CALLBACK = 'http://localhost:3000/auth/callback';

/** An authorize URL as a correct client builds it: parameters in WeChat's order, then #wechat_redirect. */
export function authorizeUrl(
  wechat: WechatEmulator,
  { scope = 'snsapi_base', state = 'abc123', redirectUri = CALLBACK, appid = wechat.defaultApp.appId } = {},
): string {
  return (
    `${wechat.authorizeBaseUrl}/connect/oauth2/authorize?appid=${appid}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=${scope}&state=${state}#wechat_redirect`
  );
}

/** GET with the emulator's user header; `redirect: 'manual'` so the 302 itself is visible. */
export function authorizeAs(url: string, user: string, consent?: 'allow' | 'deny'): Promise<Response> {
  const headers: Record<string, string> = { 'X-Wechat-Emulator-User': user };
  if (consent) headers['X-Wechat-Emulator-Consent'] = consent;
  return fetch(url, { headers, redirect: 'manual' });
}

export async function codeFor(wechat: WechatEmulator, user: string, scope = 'snsapi_base'): Promise<string> {
  const res = await authorizeAs(authorizeUrl(wechat, { scope }), user);
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code in ${res.headers.get('location')}`);
  return code;
}

export interface WechatAnswer {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

/** WeChat labels its JSON text/plain, so parse the text. */
export async function getWechat(wechat: WechatEmulator, path: string, params: Record<string, string>): Promise<WechatAnswer> {
  const res = await fetch(`${wechat.apiBaseUrl}${path}?${new URLSearchParams(params)}`);
  return { status: res.status, contentType: res.headers.get('content-type'), body: JSON.parse(await res.text()) };
}

export function exchangeCode(wechat: WechatEmulator, code: string, overrides: Record<string, string> = {}): Promise<WechatAnswer> {
  const { appId, appSecret } = wechat.defaultApp;
  return getWechat(wechat, '/sns/oauth2/access_token', {
    appid: appId,
    secret: appSecret,
    code,
    grant_type: 'authorization_code',
    ...overrides,
  });
}

export function refresh(wechat: WechatEmulator, refreshToken: string, overrides: Record<string, string> = {}): Promise<WechatAnswer> {
  return getWechat(wechat, '/sns/oauth2/refresh_token', {
    appid: wechat.defaultApp.appId,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...overrides,
  });
}

export function userinfo(wechat: WechatEmulator, accessToken: string, openid: string): Promise<WechatAnswer> {
  return getWechat(wechat, '/sns/userinfo', { access_token: accessToken, openid, lang: 'zh_CN' });
}

export function checkToken(wechat: WechatEmulator, accessToken: string, openid: string): Promise<WechatAnswer> {
  return getWechat(wechat, '/sns/auth', { access_token: accessToken, openid });
}

/** Logs a user in with the given scope and returns the token answer's body. */
export async function login(wechat: WechatEmulator, user: string, scope = 'snsapi_userinfo'): Promise<Record<string, string>> {
  const { body } = await exchangeCode(wechat, await codeFor(wechat, user, scope));
  return body as Record<string, string>;
}
