import type { Request, Response } from 'express';
import { logoutConfirmPage } from '../pages.js';
import { safeReturnTo } from '../return-to.js';
import { clearLoginCookie, isSecure, returnToPolicy, type WechatLoginRuntime } from '../runtime.js';
import { prefersJson } from '../request-kind.js';

/** GET {prefix}/logout — a confirm form: a link or an image must not be able to log anyone out. */
export function logoutConfirmRoute(runtime: WechatLoginRuntime) {
  return function logoutConfirm(req: Request, res: Response): void {
    const returnTo = safeReturnTo(req.query.returnTo, returnToPolicy(runtime, req));
    const action = `${runtime.config.prefix}/logout${returnTo === '/' ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`;
    res.status(200).send(logoutConfirmPage(action));
  };
}

/** POST {prefix}/logout — forgets the tokens and destroys the session. */
export function logoutRoute(runtime: WechatLoginRuntime) {
  return async function logout(req: Request, res: Response): Promise<void> {
    await req.wechat.logout();
    if (runtime.config.session) {
      const { path, domain, sameSite, httpOnly } = runtime.config.session.cookie;
      res.clearCookie(runtime.config.session.name, { path, domain, sameSite, httpOnly, secure: isSecure(runtime, req) });
    }
    clearLoginCookie(runtime, req, res);
    if (prefersJson(req)) {
      res.status(204).end();
      return;
    }
    res.redirect(303, safeReturnTo(req.query.returnTo, returnToPolicy(runtime, req)));
  };
}
