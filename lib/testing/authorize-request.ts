import { DEFAULT_DOMAINS, type EmulatorApp } from './fixtures.js';
import type { Scope } from './emulator-state.js';

/** The order WeChat's pattern match insists on; anything else may only follow these. */
const PARAMETER_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state'] as const;
/** The scopes of each page: an Official Account's web authorization, a website app's QR page. */
const SCOPES: Readonly<Record<AuthorizeEndpoint, readonly string[]>> = {
  authorize: ['snsapi_base', 'snsapi_userinfo'],
  qrconnect: ['snsapi_login'],
};

/** WeChat's two sign-in pages: `/connect/oauth2/authorize` (Official Account) and `/connect/qrconnect` (website app). */
export type AuthorizeEndpoint = 'authorize' | 'qrconnect';
const STATE_PATTERN = /^[a-zA-Z0-9]*$/;
const MAX_STATE_LENGTH = 128;

/**
 * What WeChat's authorize page shows instead of redirecting. `errcode` is the number on that page
 * (10003, 10010...), and the message starts with it: `"10003 redirect_uri domain mismatch"`.
 */
export class AuthorizePageError extends Error {
  readonly errcode: number;
  /** WeChat's own wording, shown on the error page. */
  readonly wechatMessage: string;

  constructor(errcode: number, message: string, wechatMessage: string) {
    super(`${errcode} ${message}`);
    this.name = 'AuthorizePageError';
    this.errcode = errcode;
    this.wechatMessage = wechatMessage;
  }
}

const pageError = {
  appidEmpty: () => new AuthorizePageError(10012, 'appid empty', 'appid不能为空'),
  // WeChat has no separate code for an appid it does not know; 10012 ("appid") is the closest it shows.
  appidInvalid: () => new AuthorizePageError(10012, 'invalid appid', '无效的appid'),
  redirectUriEmpty: () => new AuthorizePageError(10011, 'redirect_uri empty', 'redirect_uri不能为空'),
  scopeEmpty: () => new AuthorizePageError(10010, 'scope empty', 'scope不能为空'),
  scopeInvalid: (scope: string) =>
    new AuthorizePageError(10010, `scope invalid: "${scope}" (use snsapi_base or snsapi_userinfo)`, 'scope参数错误'),
  // The website app's page knows one scope; anything else is its "no permission for this scope" page.
  loginScopeInvalid: (scope: string) =>
    new AuthorizePageError(10005, `scope invalid at qrconnect: "${scope}" (a website app uses snsapi_login)`, 'Scope参数错误或没有Scope权限'),
  openPlatformAppid: () =>
    new AuthorizePageError(10016, 'an Open Platform (website app) appid used for Official Account web authorization', '不支持微信开放平台的Appid，请使用公众号Appid'),
  // An Official Account's appid on the website QR page: WeChat shows its scope page.
  officialAppidAtQrconnect: () =>
    new AuthorizePageError(10005, 'an Official Account appid used at qrconnect (it needs a website app\'s appid)', 'Scope参数错误或没有Scope权限'),
  // Out-of-order parameters defeat WeChat's pattern match; what people then report seeing is the
  // "Scope 参数错误或没有 Scope 权限" page, i.e. 10005.
  order: (keys: string[]) =>
    new AuthorizePageError(
      10005,
      `parameters out of order: got ${keys.join(', ')}; WeChat needs appid, redirect_uri, response_type, scope, state`,
      'Scope参数错误或没有Scope权限',
    ),
  responseType: (value: string) =>
    new AuthorizePageError(10005, `response_type must be "code", got "${value}"`, 'Scope参数错误或没有Scope权限'),
  state: () =>
    new AuthorizePageError(10013, 'state invalid: at most 128 characters of [a-zA-Z0-9]', 'state参数错误'),
  domain: (redirectUri: string) =>
    new AuthorizePageError(10003, `redirect_uri domain mismatch: ${redirectUri}`, 'redirect_uri域名与后台配置不一致'),
};

/** A validated authorize request. */
export interface AuthorizeRequest {
  /** Which page it came to. */
  endpoint: AuthorizeEndpoint;
  app: EmulatorApp;
  /** As given, fragment removed: WeChat appends to it verbatim. */
  redirectUri: string;
  scope: Scope;
  state: string;
  forcePopup: boolean;
  /**
   * qrconnect as drawn by `wxLogin.js` (`login_type=jssdk`) in an iframe: unless `self_redirect=true`, WeChat
   * sends the top window, not the frame, to the callback.
   */
  redirectTop: boolean;
  /** The query string exactly as received, without '?', to carry through the consent form. */
  rawQuery: string;
}

/**
 * Validates `/connect/oauth2/authorize`'s (or, with `endpoint` 'qrconnect', the website QR page's) query the way
 * WeChat does; throws {@link AuthorizePageError}.
 */
export function parseAuthorizeQuery(
  rawQuery: string,
  apps: ReadonlyMap<string, EmulatorApp>,
  endpoint: AuthorizeEndpoint = 'authorize',
): AuthorizeRequest {
  const entries = [...new URLSearchParams(rawQuery)];
  const params = new Map(entries);
  const appid = params.get('appid') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  const scope = params.get('scope') ?? '';
  if (!appid) throw pageError.appidEmpty();
  if (!redirectUri) throw pageError.redirectUriEmpty();
  if (!scope) throw pageError.scopeEmpty();
  if (!params.has('response_type')) throw pageError.responseType('');
  checkOrder(entries.map(([key]) => key));

  const app = apps.get(appid);
  if (!app) throw pageError.appidInvalid();
  const website = app.kind === 'website';
  if (endpoint === 'authorize' && website) throw pageError.openPlatformAppid();
  if (endpoint === 'qrconnect' && !website) throw pageError.officialAppidAtQrconnect();
  const responseType = params.get('response_type') ?? '';
  if (responseType !== 'code') throw pageError.responseType(responseType);
  if (!SCOPES[endpoint].includes(scope)) throw endpoint === 'qrconnect' ? pageError.loginScopeInvalid(scope) : pageError.scopeInvalid(scope);
  // state is optional (the callback then carries an empty one).
  const state = params.get('state') ?? '';
  if (state.length > MAX_STATE_LENGTH || !STATE_PATTERN.test(state)) throw pageError.state();
  if (!domainAllowed(redirectUri, app.domains ?? DEFAULT_DOMAINS)) throw pageError.domain(redirectUri);

  return {
    endpoint,
    app,
    redirectUri: redirectUri.split('#')[0]!,
    scope: scope as Scope,
    state,
    forcePopup: params.get('forcePopup') === 'true',
    redirectTop: endpoint === 'qrconnect' && params.get('login_type') === 'jssdk' && params.get('self_redirect') !== 'true',
    rawQuery,
  };
}

function checkOrder(keys: string[]): void {
  const known: readonly string[] = PARAMETER_ORDER;
  const seen = new Set<string>();
  keys.forEach((key, index) => {
    const expectedIndex = known.indexOf(key);
    if (expectedIndex === -1) return;
    if (expectedIndex !== index || seen.has(key)) throw pageError.order(keys);
    seen.add(key);
  });
}

function domainAllowed(redirectUri: string, domains: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const hostname = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return domains.some((entry) => {
    const [entryHost, entryPort] = splitHostPort(entry.toLowerCase());
    return entryHost === hostname && (entryPort === undefined || entryPort === port);
  });
}

function splitHostPort(entry: string): [string, string | undefined] {
  const match = /^(.*):(\d+)$/.exec(entry);
  return match ? [match[1]!, match[2]!] : [entry, undefined];
}

/** Where WeChat sends the browser after consent: `redirect_uri?code=CODE&state=STATE`. */
export function callbackUrl(request: AuthorizeRequest, code: string): string {
  return appendQuery(request.redirectUri, `code=${encodeURIComponent(code)}&state=${encodeURIComponent(request.state)}`);
}

/** A refusal as older WeChat clients reported it: back to the callback with state and no code. */
export function deniedCallbackUrl(request: AuthorizeRequest): string {
  return appendQuery(request.redirectUri, `state=${encodeURIComponent(request.state)}`);
}

function appendQuery(base: string, query: string): string {
  if (!base.includes('?')) return `${base}?${query}`;
  return base.endsWith('?') || base.endsWith('&') ? base + query : `${base}&${query}`;
}
