import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { isTransientError, ERR_REAUTHORIZATION_REQUIRED } from './errors.js';
import { messagePage, pageView } from './http/pages.js';
import { sendUnavailable } from './http/unavailable.js';
import { safeReturnTo } from './http/return-to.js';
import { answerSecurely } from './http/security-headers.js';
import { isInWechat, wantsJson } from './http/request-kind.js';
import { renderQrPage } from './login/qr-route.js';
import { createScanDesk, type ScanDesk, type ScanDeskDependencies } from './scan/desk.js';
import { isWechatScope, type WechatScope } from './wechat/types.js';

export interface RequireWechatUserOptions {
  /** 'snsapi_userinfo' on a route that needs the profile: a base-scope login is sent to authorize again. */
  scope?: WechatScope;
}

type GuardDependencies = ScanDeskDependencies & { scanDesk: ScanDesk | undefined };

/** The guard's collaborators: the desktop side of scan to sign in when it is on. */
function guardDependencies(runtime: ScanDeskDependencies): GuardDependencies {
  const { scanLogin } = runtime.config;
  return { ...runtime, scanDesk: scanLogin ? createScanDesk(runtime, scanLogin) : undefined };
}

/**
 * The answer to "who are you?" when nobody (or not enough) is logged in: JSON callers get 401, WeChat's
 * browser goes to WeChat's authorization, other browsers as `desktop` says: through our /login to the website
 * app's QR page ('website'), a scan-to-sign-in code ('scan'), or ('qr', or too many codes open) the QR code of
 * the page to open it in WeChat.
 */
function respondLoginRequired(runtime: GuardDependencies, req: Request, res: Response, scope: WechatScope): Promise<void> {
  // Our answer on the app's route: our headers (it may be a page with a Confirm-worthy QR code).
  return answerSecurely(res, runtime.config.pages.imageOrigins, () => answerLoginRequired(runtime, req, res, scope));
}

async function answerLoginRequired(runtime: GuardDependencies, req: Request, res: Response, scope: WechatScope): Promise<void> {
  // The same rules as /login's returnTo: `GET //evil.example/phish` on a guarded path must not come back as a
  // protocol-relative redirect after a scan, nor a 15 KB path be stored in a ticket.
  const returnTo = safeReturnTo(req.originalUrl, runtime.site.returnToPolicy(req));
  const login = runtime.paths.loginUrl({ returnTo, scope });
  if (wantsJson(req)) {
    res.status(401).json({ error: 'wechat_login_required', scope, loginUrl: login });
    return;
  }
  if (!runtime.site.hasUsableOrigin(req)) {
    res.status(400).type('text/plain').send('Bad Host header');
    return;
  }
  if (isInWechat(req) || runtime.config.desktop === 'website') {
    res.redirect(302, login);
    return;
  }
  if (runtime.config.desktop === 'scan' && runtime.scanDesk && !(await runtime.scanDesk.showNewCode(req, res, { status: 401, returnTo, scope, renewals: 0 }))) return;
  await renderQrPage(runtime, req, res, 401, returnTo);
}

export function createGuard(base: ScanDeskDependencies) {
  const runtime = guardDependencies(base);
  /**
   * @example
   * app.get('/profile', wechat.requireWechatUser(), (req, res) => res.send(req.wechat.user?.nickname));
   * app.get('/me/full', wechat.requireWechatUser({ scope: 'snsapi_userinfo' }), handler);
   */
  return function requireWechatUser(options: RequireWechatUserOptions = {}): RequestHandler {
    const needed = options.scope;
    if (needed !== undefined && !isWechatScope(needed)) {
      throw new TypeError('requireWechatUser(): "scope" must be "snsapi_base" or "snsapi_userinfo"');
    }
    return async function requireWechatUserMiddleware(req: Request, res: Response, next: NextFunction) {
      if (!req.wechat) {
        next(new Error('requireWechatUser() found no req.wechat: did you mount the router first (app.use(wechat.router))?'));
        return;
      }
      const scopeOk = needed !== 'snsapi_userinfo' || req.wechat.scope === 'snsapi_userinfo';
      let authenticated: boolean;
      try {
        // Checked against the grant in Redis, not only the session: a slow request's stale session save
        // must not undo "authorize again".
        authenticated = scopeOk && (await req.wechat.checkAuthenticated());
      } catch (error) {
        next(error);
        return;
      }
      if (authenticated) {
        next();
        return;
      }
      const data = req.session.wechat;
      const scope = needed ?? data?.reauthorize?.scope ?? data?.login?.scope ?? runtime.config.scope;
      await respondLoginRequired(runtime, req, res, scope);
    };
  };
}

/**
 * Mount after your routes: turns "authorize again" into the guard's answer and WeChat or Redis being briefly
 * unavailable into 503 (the user stays logged in). Anything else goes on to your error handler.
 */
export function createErrorHandler(base: ScanDeskDependencies): () => ErrorRequestHandler {
  const runtime = guardDependencies(base);
  return () =>
    async function wechatErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction) {
      if (res.headersSent) return next(error);
      const code = (error as { code?: unknown } | null)?.code;
      if (code === ERR_REAUTHORIZATION_REQUIRED) {
        const scope = ((error as { scope?: WechatScope }).scope ?? req.session?.wechat?.login?.scope ?? runtime.config.scope) as WechatScope;
        return respondLoginRequired(runtime, req, res, scope);
      }
      if (isTransientError(error)) {
        return answerSecurely(res, runtime.config.pages.imageOrigins, () =>
          sendUnavailable(res, wantsJson(req), messagePage(pageView(runtime.config.pages, req), { name: 'busy', title: 'busy.title', text: 'busy.wechat' })),
        );
      }
      next(error);
    };
}
