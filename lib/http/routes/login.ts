import type { Request, Response } from 'express';
import { logger } from '../../debug.js';
import { composeState, hashBinder, newBinder, newNonce } from '../login-state.js';
import { safeReturnTo } from '../return-to.js';
import { loginCookieName, loginCookieOptions, originOf, readLoginCookie, returnToPolicy, type WechatLoginRuntime } from '../runtime.js';
import { saveSession } from '../session.js';
import type { WechatScope } from '../../wechat/types.js';

const log = logger('login');

/** GET {prefix}/login?returnTo=&scope= — start a login: a fresh single-use state, then WeChat's authorize page. */
export function loginRoute(runtime: WechatLoginRuntime) {
  const { config, store, api } = runtime;
  return async function login(req: Request, res: Response): Promise<void> {
    const returnTo = safeReturnTo(req.query.returnTo, returnToPolicy(runtime, req));
    const scope = requestedScope(req.query.scope) ?? config.scope;
    const retry = req.query.retry === '1';

    // One binder per browser, in the session and in a dedicated persistent cookie: either one proves the
    // callback comes from the browser that started the login. Several tabs share it.
    const wechat = (req.session.wechat ??= {});
    const binder = wechat.binder ?? readLoginCookie(runtime, req) ?? newBinder();
    wechat.binder = binder;

    const nonce = newNonce();
    await store.putLoginState(
      nonce,
      { binderHash: hashBinder(binder), returnTo, scope, createdAt: config.clock.now(), retry },
      config.loginTimeoutMs,
    );
    await saveSession(req);
    res.cookie(loginCookieName(runtime), binder, loginCookieOptions(runtime, req));

    const redirectUri = `${originOf(runtime, req)}${config.prefix}/callback${retry ? '?retry=1' : ''}`;
    const url = api.buildAuthorizeUrl({ redirectUri, scope, state: composeState(config.stateLabel, nonce) });
    log('login started (scope %s)', scope);
    res.redirect(302, url);
  };
}

function requestedScope(value: unknown): WechatScope | undefined {
  return value === 'snsapi_base' || value === 'snsapi_userinfo' ? value : undefined;
}
