import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import { startAuthorization } from './authorization.js';
import { safeReturnTo } from '../http/return-to.js';
import type { WechatLoginRuntime } from './runtime.js';
import { isWechatScope } from '../wechat/types.js';

const log = logger('login');

/**
 * GET {prefix}/login?returnTo=&scope= — start a login: a fresh single-use state, then WeChat's authorize page.
 * Writes no session: the state record and the login cookie carry all the callback needs, so an anonymous
 * visitor costs one short-lived key, not a 7-day session.
 */
export function loginRoute(runtime: Pick<WechatLoginRuntime, 'config' | 'store' | 'api' | 'paths' | 'site' | 'loginCookie'>) {
  const { config, paths, site, loginCookie } = runtime;
  return async function login(req: Request, res: Response): Promise<void> {
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const scope = isWechatScope(req.query.scope) ? req.query.scope : config.scope;
    const retry = req.query.retry === '1';

    const { nonce, url } = await startAuthorization(runtime, req, res, {
      returnTo,
      scope,
      retry,
      callbackPath: `${paths.callback}${retry ? '?retry=1' : ''}`,
    });
    loginCookie.remember(req, res, nonce, { returnTo, scope });
    log('login started (scope %s)', scope);
    res.redirect(302, url);
  };
}
