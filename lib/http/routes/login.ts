import type { Request, Response } from 'express';
import { logger } from '../../debug.js';
import { composeState, hashBinder, newBinder, newNonce } from '../login-state.js';
import { safeReturnTo } from '../return-to.js';
import type { WechatLoginRuntime } from '../runtime.js';
import type { WechatScope } from '../../wechat/types.js';

const log = logger('login');

/**
 * GET {prefix}/login?returnTo=&scope= — start a login: a fresh single-use state, then WeChat's authorize page.
 * Writes no session: the state record and the login cookie carry all the callback needs, so an anonymous
 * visitor costs one short-lived key, not a 7-day session.
 */
export function loginRoute({ config, store, api, paths, site, loginCookie }: Pick<WechatLoginRuntime, 'config' | 'store' | 'api' | 'paths' | 'site' | 'loginCookie'>) {
  return async function login(req: Request, res: Response): Promise<void> {
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const scope = requestedScope(req.query.scope) ?? config.scope;
    const retry = req.query.retry === '1';

    // One binder per browser, in a dedicated persistent cookie: it proves the callback comes from the
    // browser that started the login. Several tabs share it.
    const binder = loginCookie.read(req) ?? newBinder();
    const nonce = newNonce();
    await store.putLoginState(
      nonce,
      { binderHash: hashBinder(binder), returnTo, scope, createdAt: config.clock.now(), retry },
      config.loginTimeoutMs,
    );
    loginCookie.set(req, res, binder);
    loginCookie.remember(req, res, nonce, { returnTo, scope });

    const redirectUri = `${site.originOf(req)}${paths.callback}${retry ? '?retry=1' : ''}`;
    const url = api.buildAuthorizeUrl({ redirectUri, scope, state: composeState(config.stateLabel, nonce) });
    log('login started (scope %s)', scope);
    res.redirect(302, url);
  };
}

function requestedScope(value: unknown): WechatScope | undefined {
  return value === 'snsapi_base' || value === 'snsapi_userinfo' ? value : undefined;
}
