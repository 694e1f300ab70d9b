import { WechatArgumentError } from '../errors.js';
import { trimSlash } from './client-options.js';
import { isWechatScope, type WechatScope } from './types.js';

/** WeChat's documented limit for `state`: at most 128 bytes of [a-zA-Z0-9]. */
const STATE_PATTERN = /^[a-zA-Z0-9]{1,128}$/;

export interface AuthorizeUrlParams {
  /** Absolute URL WeChat redirects to; its host must be the account's web-authorization domain. */
  redirectUri: string;
  scope: WechatScope;
  /** 1–128 characters of [a-zA-Z0-9], echoed back unchanged. */
  state: string;
  /** `forcePopup=true`: always show the consent popup. Default false. */
  forcePopup?: boolean;
  /** `connect_redirect=1` (undocumented, used by WxJava and Socialite) stops WeChat calling back twice. Default true. */
  connectRedirect?: boolean;
}

export interface QrConnectUrlParams {
  /** Absolute URL WeChat redirects to; its host must be the website app's authorization callback domain. */
  redirectUri: string;
  /** 1–128 characters of [a-zA-Z0-9], echoed back unchanged. */
  state: string;
  /**
   * The page is shown in an iframe of the site's own page, as wxLogin.js draws it (`login_type=jssdk`,
   * `self_redirect=false`): once the phone allows, WeChat sends the top window, not the frame, to `redirectUri`.
   * Default false.
   */
  embedded?: boolean;
}

/**
 * WeChat's own QR sign-in page for an Open Platform website app (网站应用): `/connect/qrconnect` with
 * `scope=snsapi_login`, the parameters in WeChat's documented order and `#wechat_redirect` at the end.
 */
export function buildQrConnectUrl(authorizeBaseUrl: string, appId: string, { redirectUri, state, embedded = false }: QrConnectUrlParams): string {
  checkRedirect(redirectUri, state);
  return (
    `${trimSlash(authorizeBaseUrl)}/connect/qrconnect` +
    `?appid=${encodeURIComponent(appId)}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}` +
    `&response_type=code` +
    `&scope=snsapi_login` +
    `&state=${state}` +
    (embedded ? '&login_type=jssdk&self_redirect=false' : '') +
    '#wechat_redirect'
  );
}

function checkRedirect(redirectUri: unknown, state: unknown): void {
  // RegExp#test stringifies its argument: without the typeof check a JavaScript caller's missing state
  // would be sent as the word "undefined" and a number as its digits.
  if (typeof state !== 'string' || !STATE_PATTERN.test(state)) {
    throw new WechatArgumentError('"state" must be 1-128 characters of [a-zA-Z0-9] (WeChat rejects anything else)');
  }
  if (typeof redirectUri !== 'string' || !/^https?:\/\//i.test(redirectUri)) {
    throw new WechatArgumentError('"redirectUri" must be an absolute http(s) URL');
  }
}

/**
 * WeChat pattern-matches the authorize URL: the parameters must come in exactly this order and the
 * URL must end with `#wechat_redirect`, even when reached by a 302.
 */
export function buildAuthorizeUrl(authorizeBaseUrl: string, appId: string, params: AuthorizeUrlParams): string {
  const { redirectUri, scope, state, forcePopup = false, connectRedirect = true } = params;
  if (!isWechatScope(scope)) {
    throw new WechatArgumentError('"scope" must be "snsapi_base" or "snsapi_userinfo"');
  }
  checkRedirect(redirectUri, state);
  let url =
    `${trimSlash(authorizeBaseUrl)}/connect/oauth2/authorize` +
    `?appid=${encodeURIComponent(appId)}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}` +
    `&response_type=code` +
    `&scope=${scope}` +
    `&state=${state}`;
  if (forcePopup) url += '&forcePopup=true';
  if (connectRedirect) url += '&connect_redirect=1';
  return `${url}#wechat_redirect`;
}

