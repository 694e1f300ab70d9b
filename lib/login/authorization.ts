import type { Request, Response } from 'express';
import type { LoginStateRecord } from '../store/types.js';
import type { WechatScope } from '../wechat/types.js';
import { composeState, hashBinder, newBinder, newNonce } from './login-state.js';
import type { WechatLoginRuntime } from './runtime.js';

type AuthorizationDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'apps' | 'site' | 'loginCookie'>;

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
 * Starts a WeChat authorization for this browser: a single-use state bound to its binder (one per browser, in
 * the login cookie, which several tabs share: it proves the callback comes from the browser that started it),
 * then WeChat's authorize URL. The caller redirects to `url`.
 */
export async function startAuthorization(
  { config, store, apps, site, loginCookie }: AuthorizationDependencies,
  req: Request,
  res: Response,
  { returnTo, scope, callbackPath, retry = false, scanTicketId, app, embedded = false }: AuthorizationStart,
): Promise<{ nonce: string; url: string }> {
  const binder = loginCookie.read(req) ?? newBinder();
  const nonce = newNonce();
  const record: LoginStateRecord = {
    binderHash: hashBinder(binder),
    returnTo,
    scope,
    createdAt: config.clock.now(),
    retry,
    ...(scanTicketId === undefined ? {} : { scanTicketId }),
    ...(app === undefined ? {} : { app }),
  };
  await store.putLoginState(nonce, record, config.loginTimeoutMs);
  loginCookie.set(req, res, binder);
  const redirectUri = `${site.originOf(req)}${callbackPath}`;
  const state = composeState(config.stateLabel, nonce);
  const url =
    app === 'website'
      ? apps.byKind('website').api.buildQrConnectUrl({ redirectUri, state, embedded })
      : apps.official.api.buildAuthorizeUrl({ redirectUri, scope, state });
  return { nonce, url };
}

/**
 * The started login of this nonce, taken (single use), or null when it is unknown, used or expired. Redis
 * expires the state in real time; the injected clock is checked too, so tests and skewed hosts agree.
 */
export async function takeLoginState({ config, store }: Pick<WechatLoginRuntime, 'config' | 'store'>, nonce: string | null): Promise<LoginStateRecord | null> {
  const taken = nonce ? await store.takeLoginState(nonce) : null;
  return taken && taken.createdAt + config.loginTimeoutMs > config.clock.now() ? taken : null;
}

/** The hash of this browser's binder (from its login cookie), as states keep it. */
export function browserBinderHash({ loginCookie }: Pick<WechatLoginRuntime, 'loginCookie'>, req: Request): string | undefined {
  const binder = loginCookie.read(req);
  return binder ? hashBinder(binder) : undefined;
}
