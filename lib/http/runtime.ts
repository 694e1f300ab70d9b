import type { CookieOptions, Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { ResolvedConfig } from '../config.js';
import type { WechatService } from '../wechat/service.js';
import type { WechatStore } from '../store/types.js';
import type { TokenManager } from '../tokens/token-manager.js';
import type { WechatScope } from '../wechat/types.js';

/** Everything the routes, the guard and req.wechat share, built once by createWechatLogin(). */
export interface WechatLoginRuntime {
  config: ResolvedConfig;
  store: WechatStore;
  api: WechatApiClient;
  service: WechatService;
  tokens: TokenManager;
  /** Shows "Continue in the WeChat emulator" on the QR page (development only). */
  emulatorLink: boolean;
}

/** How long a code's outcome is remembered: WeChat's own code lifetime. */
export const CODE_OUTCOME_TTL_MS = 5 * 60_000;

export function loginCookieName(runtime: WechatLoginRuntime): string {
  return `${runtime.config.session ? runtime.config.session.name : 'wechat.sid'}.login`;
}

/** The dedicated login cookie: persistent (survives WeChat dropping session cookies), scoped to our routes. */
export function loginCookieOptions(runtime: WechatLoginRuntime, req: Request): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(runtime, req),
    path: runtime.config.prefix,
    maxAge: runtime.config.loginTimeoutMs,
  };
}

export function readLoginCookie(runtime: WechatLoginRuntime, req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookies(header)[loginCookieName(runtime)] || undefined;
}

export function clearLoginCookie(runtime: WechatLoginRuntime, req: Request, res: Response): void {
  const { maxAge: _maxAge, ...options } = loginCookieOptions(runtime, req);
  res.clearCookie(loginCookieName(runtime), options);
}

/** Our public origin: `publicUrl` when set, else what this request says (trust proxy decides which headers count). */
export function originOf(runtime: WechatLoginRuntime, req: Request): string {
  return runtime.config.publicUrl?.origin ?? `${req.protocol}://${req.get('host')}`;
}

export function isSecure(runtime: WechatLoginRuntime, req: Request): boolean {
  return runtime.config.publicUrl ? runtime.config.publicUrl.protocol === 'https:' : req.secure;
}

export function loginPath(runtime: WechatLoginRuntime, params: { returnTo?: string; scope?: WechatScope; retry?: boolean }): string {
  const query = new URLSearchParams();
  if (params.returnTo) query.set('returnTo', params.returnTo);
  if (params.scope && params.scope !== runtime.config.scope) query.set('scope', params.scope);
  if (params.retry) query.set('retry', '1');
  const text = query.toString();
  return `${runtime.config.prefix}/login${text ? `?${text}` : ''}`;
}

export function returnToPolicy(runtime: WechatLoginRuntime, req: Request) {
  return { origin: originOf(runtime, req), allowedHosts: runtime.config.allowedReturnHosts };
}
