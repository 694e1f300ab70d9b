import type { Request, Response } from 'express';
import type { WechatScope } from '../wechat/types.js';
import { composeState, hashBinder, newBinder, newNonce, sameBinderHash } from './login-state.js';
import type { LoginStateCookie } from './state-cookie.js';
import type { WechatLoginRuntime } from './runtime.js';

type AuthorizationDependencies = Pick<WechatLoginRuntime, 'config' | 'apps' | 'site' | 'loginCookie' | 'stateCookies'>;

export interface AuthorizationStart {
  returnTo: string;
  scope: WechatScope;
  /** Where WeChat sends the browser back, below our origin (a query allowed, e.g. `?retry=1`). */
  callbackPath: string;
  /** This login restarts a stale callback's: do not restart again. */
  retry?: boolean;
  /** The scan ticket this authorization is for (the phone authorizing the desktop). */
  scanTicketId?: string;
  /** `'website'`: the website app's QR page (qrconnect, scope snsapi_login) instead of the Official Account's authorize. */
  app?: 'website';
  /** With `app: 'website'`: WeChat's QR page drawn inside an iframe of the app's page (it sends the top window back). */
  embedded?: boolean;
}

/**
 * Starts a WeChat authorization for this browser and writes nothing to the store: the state (its nonce is
 * WeChat's `state`) rides in a sealed cookie of its own, bound to the browser's binder (one per browser, in the
 * login cookie, which several tabs share: it proves the callback comes from the browser that started it). The
 * caller redirects to `url`.
 */
export function startAuthorization(
  { config, apps, site, loginCookie, stateCookies }: AuthorizationDependencies,
  req: Request,
  res: Response,
  { returnTo, scope, callbackPath, retry = false, scanTicketId, app, embedded = false }: AuthorizationStart,
): { nonce: string; url: string } {
  const binder = loginCookie.read(req) ?? newBinder();
  const nonce = newNonce();
  const createdAt = config.clock.now();
  const state: LoginStateCookie = { binderHash: hashBinder(binder), returnTo, scope, createdAt, expiresAt: createdAt + config.loginTimeoutMs, retry };
  stateCookies.write(req, res, nonce, { ...state, ...(scanTicketId === undefined ? {} : { scanTicketId }), ...(app === undefined ? {} : { app }) });
  loginCookie.set(req, res, binder);
  const redirectUri = `${site.originOf(req)}${callbackPath}`;
  const wechatState = composeState(config.stateLabel, nonce);
  const url =
    app === 'website'
      ? apps.byKind('website').api.buildQrConnectUrl({ redirectUri, state: wechatState, embedded })
      : apps.official.api.buildAuthorizeUrl({ redirectUri, scope, state: wechatState });
  return { nonce, url };
}

/** What this browser holds of the login with this nonce, checked without the store. */
export type OpenedLoginState =
  | { kind: 'ours'; state: LoginStateCookie }
  /** Sealed for us but past its life (by the injected clock): where it was going is still known. */
  | { kind: 'expired'; state: LoginStateCookie }
  /** The cookie is ours but the binder is not this browser's (or missing): started elsewhere. */
  | { kind: 'foreign'; state: LoginStateCookie }
  /** No cookie of ours for this nonce (another browser, a link, a cookie dropped, a bad state). */
  | { kind: 'none' };

/**
 * The started login of `nonce` as this browser carries it, checked before anything is used up: a browser that
 * does not hold the state's cookie and binder cannot spend the state (the victim's own callback still works).
 */
export function openLoginState({ config, loginCookie, stateCookies }: Pick<WechatLoginRuntime, 'config' | 'loginCookie' | 'stateCookies'>, req: Request, nonce: string | null): OpenedLoginState {
  const state = nonce ? stateCookies.read(req, nonce) : undefined;
  if (!state) return { kind: 'none' };
  if (!sameBinderHash(state.binderHash, browserBinderHash({ loginCookie }, req))) return { kind: 'foreign', state };
  if (state.expiresAt <= config.clock.now()) return { kind: 'expired', state };
  return { kind: 'ours', state };
}

/**
 * How long the used mark of a state must live: the rest of its life, plus a minute for another process whose
 * clock runs behind ours (it would still take the cookie as unexpired).
 */
export function usedMarkTtlMs({ config }: Pick<WechatLoginRuntime, 'config'>, state: LoginStateCookie): number {
  return Math.max(1, state.expiresAt - config.clock.now()) + 60_000;
}

/** The hash of this browser's binder (from its login cookie), as states keep it. */
export function browserBinderHash({ loginCookie }: Pick<WechatLoginRuntime, 'loginCookie'>, req: Request): string | undefined {
  const binder = loginCookie.read(req);
  return binder ? hashBinder(binder) : undefined;
}
