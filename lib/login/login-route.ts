import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import { startAuthorization } from './authorization.js';
import { safeReturnTo } from '../http/return-to.js';
import type { WechatLoginRuntime } from './runtime.js';
import { isWechatScope } from '../wechat/types.js';
import { isInWechat } from '../http/request-kind.js';
import type { ResolvedConfig } from '../config/config.js';

const log = logger('login');

/**
 * GET {prefix}/login?returnTo=&scope= — start a login: a fresh single-use state, then WeChat's authorize page.
 * Writes nothing to the store and no session: the state's cookie and the login cookie carry all the callback
 * needs, so a visitor who never comes back from WeChat leaves nothing behind. Nothing to limit here either.
 */
export function loginRoute(runtime: Pick<WechatLoginRuntime, 'config' | 'apps' | 'paths' | 'site' | 'loginCookie' | 'stateCookies'>) {
  const { config, paths, site, loginCookie } = runtime;
  return function login(req: Request, res: Response): void {
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const scope = isWechatScope(req.query.scope) ? req.query.scope : config.scope;
    const retry = req.query.retry === '1';
    const app = websiteAppFor(config, req);

    const { nonce, url } = startAuthorization(runtime, req, res, {
      returnTo,
      scope,
      retry,
      callbackPath: `${paths.callback}${retry ? '?retry=1' : ''}`,
      // ?embed=1: the app shows WeChat's QR page in an iframe of its own page (<iframe src="{prefix}/login?embed=1…">).
      ...(app ? { app, embedded: req.query.embed === '1' } : {}),
    });
    // Kept a day past the state's cookie: a callback arriving after both expired still knows where to restart.
    loginCookie.remember(req, res, nonce, { returnTo, scope });
    log('login started (%s)', app === 'website' ? 'website app, qrconnect' : `scope ${scope}`);
    res.redirect(302, url);
  };
}

/**
 * 'website' when this login goes to the website app's QR page: a browser other than WeChat's, with a website app
 * configured, and `desktop: 'website'` or `?app=website` asked for. WeChat's own browser always signs in through
 * the Official Account (qrconnect is for other browsers); `?app=official` keeps a desktop on it too.
 */
function websiteAppFor(config: Pick<ResolvedConfig, 'websiteApp' | 'desktop'>, req: Request): 'website' | undefined {
  if (!config.websiteApp || isInWechat(req)) return undefined;
  const asked = req.query.app;
  if (asked === 'official') return undefined;
  return config.desktop === 'website' || asked === 'website' ? 'website' : undefined;
}
