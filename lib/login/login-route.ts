import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import { startAuthorization } from './authorization.js';
import { safeReturnTo } from '../http/return-to.js';
import type { WechatLoginRuntime } from './runtime.js';
import { isWechatScope } from '../wechat/types.js';

const log = logger('login');

/**
 * GET {prefix}/login?returnTo=&scope= — start a login: a fresh single-use state, then WeChat's authorize page.
 * Writes nothing to the store and no session: the state's cookie and the login cookie carry all the callback
 * needs, so a visitor who never comes back from WeChat leaves nothing behind. Nothing to limit here either.
 */
export function loginRoute(runtime: Pick<WechatLoginRuntime, 'config' | 'api' | 'paths' | 'site' | 'loginCookie' | 'stateCookies'>) {
  const { config, paths, site, loginCookie } = runtime;
  return function login(req: Request, res: Response): void {
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const scope = isWechatScope(req.query.scope) ? req.query.scope : config.scope;
    const retry = req.query.retry === '1';

    const { nonce, url } = startAuthorization(runtime, req, res, {
      returnTo,
      scope,
      retry,
      callbackPath: `${paths.callback}${retry ? '?retry=1' : ''}`,
    });
    // Kept a day past the state's cookie: a callback arriving after both expired still knows where to restart.
    loginCookie.remember(req, res, nonce, { returnTo, scope });
    log('login started (scope %s)', scope);
    res.redirect(302, url);
  };
}
