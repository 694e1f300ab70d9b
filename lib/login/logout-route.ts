import type { Request, Response } from 'express';
import { logoutConfirmPage, pageView } from '../http/pages.js';
import { safeReturnTo } from '../http/return-to.js';
import { prefersJson } from '../http/request-kind.js';
import type { WechatLoginRuntime } from './runtime.js';

/**
 * GET {prefix}/logout — a confirm form: a link or an image must not be able to log anyone out. Cancel goes
 * back to `returnTo` (where the visitor came from), else the home page.
 */
export function logoutConfirmRoute({ config, paths, site }: Pick<WechatLoginRuntime, 'config' | 'paths' | 'site'>) {
  return function logoutConfirm(req: Request, res: Response): void {
    // A returnTo refused (or '/') is left out: the logout then lands on routes.postLogoutRedirect.
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const action = `${paths.logout}${returnTo === '/' ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`;
    res.status(200).send(logoutConfirmPage(pageView(config.pages, req), action, returnTo));
  };
}

/** POST {prefix}/logout — forgets the tokens and destroys the session. */
export function logoutRoute({ config, site, loginCookie }: Pick<WechatLoginRuntime, 'config' | 'site' | 'loginCookie'>) {
  return async function logout(req: Request, res: Response): Promise<void> {
    await req.wechat.logout();
    if (config.session) {
      const { path, domain, sameSite, httpOnly } = config.session.cookie;
      res.clearCookie(config.session.name, { path, domain, sameSite, httpOnly, secure: site.isSecure(req) });
    }
    loginCookie.clear(req, res);
    if (prefersJson(req)) {
      res.status(204).end();
      return;
    }
    // No returnTo: routes.postLogoutRedirect (checked at start-up, and again here like any returnTo).
    res.redirect(303, safeReturnTo(req.query.returnTo ?? config.postLogoutRedirect, site.returnToPolicy(req)));
  };
}
