import express, { type ErrorRequestHandler, type RequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { WechatRequestContext } from './session/context.js';
import { logger } from './debug.js';
import { messagePage, pageView } from './http/pages.js';
import { callbackRoute } from './login/callback-route.js';
import { loginRoute } from './login/login-route.js';
import { logoutConfirmRoute, logoutRoute } from './login/logout-route.js';
import { qrRoute } from './login/qr-route.js';
import { mountScanRoutes } from './scan/routes.js';
import { ROUTES } from './http/paths.js';
import { sameOriginOnly } from './http/same-origin.js';
import { prefersJson } from './http/request-kind.js';
import { sendUnavailable } from './http/unavailable.js';
import { answerSecurely, securityHeaders } from './http/security-headers.js';
import type { WechatLoginRuntime } from './login/runtime.js';
import { JSSDK_CONFIG_ROUTE, jssdkConfigRoute } from './platform/jssdk-route.js';
import type { WechatPlatform } from './platform/platform.js';

const log = logger('router');

/**
 * One express.Router: session (unless the app brings its own: `session` is then undefined), req.wechat, then
 * the login routes, and the JS-SDK's config route when `platform` is given.
 */
export function createRouter(runtime: WechatLoginRuntime, session: RequestHandler | undefined, platform?: WechatPlatform): Router {
  const { config, paths } = runtime;
  const router = express.Router();

  if (session) router.use(session);
  const contextDependencies = { tokens: runtime.tokens, apps: runtime.apps, store: runtime.store, lang: config.lang, clock: config.clock };
  router.use(function wechatContext(req: Request, _res: Response, next: NextFunction) {
    if (!req.session) {
      next(new Error('wechat-official-login: no req.session. With session: false, mount express-session before the router.'));
      return;
    }
    req.wechat = new WechatRequestContext(req, contextDependencies);
    next();
  });

  // Our routes sit behind one prefix match, so the app's own requests pass one layer, not six.
  const routes = express.Router();
  routes.use(usableOriginOnly(runtime.site));
  // Per route, not routes.use(): with the prefix '' this router sees every request, and the app's pages keep
  // their own headers.
  const secure = securityHeaders(config.pages.imageOrigins);
  routes.get(ROUTES.login, secure, noStore, loginRoute(runtime));
  routes.get(ROUTES.callback, secure, noStore, callbackRoute(runtime));
  routes.get(ROUTES.logout, secure, noStore, logoutConfirmRoute(runtime));
  routes.post(ROUTES.logout, secure, noStore, sameOriginOnly(runtime.site), logoutRoute(runtime));
  routes.get(ROUTES.qr, secure, qrRoute(runtime));
  if (config.scanLogin) mountScanRoutes(routes, runtime, config.scanLogin);
  if (platform) routes.get(JSSDK_CONFIG_ROUTE, jssdkConfigRoute({ appId: config.appId, platform, site: runtime.site, clock: config.clock }));
  routes.use(routeErrorPage(config.pages));
  router.use(paths.mount, routes);
  return router;
}

/** Without `publicUrl` our links are built from the Host header: a junk one gets a 400, not a junk redirect_uri. */
function usableOriginOnly(site: WechatLoginRuntime['site']): RequestHandler {
  return function usableOrigin(req, res, next) {
    if (site.hasUsableOrigin(req)) return next();
    res.status(400).type('text/plain').send('Bad Host header');
  };
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}

/**
 * Our own errors on our own routes become a short page with the right status (details go to the debug log
 * only). Anything else — a misconfiguration, an exception from your onLogin hook — goes on to your error handler.
 */
function routeErrorPage(pages: WechatLoginRuntime['config']['pages']): ErrorRequestHandler {
  return function wechatRouteError(error, req, res, next) {
    if (!res.headersSent && isUndecodableParameter(error)) return answerSecurely(res, pages.imageOrigins, () => sendBadParameter(pages, req, res));
    const ours = typeof error?.code === 'string' && error.code.startsWith('ERR_WECHAT') && typeof error.status === 'number';
    if (res.headersSent || !ours) return next(error);
    answerSecurely(res, pages.imageOrigins, () => sendRouteError(pages, error, req, res));
  };
}

/**
 * Express's router decodes each `:param` of a path it matches (the scan ticket's): `%ff` or an overlong `%C0%AF`
 * throws a URIError marked 400 before any handler runs. Only our own routes' matching lands here.
 */
function isUndecodableParameter(error: unknown): boolean {
  return error instanceof URIError && (error as { status?: unknown }).status === 400;
}

function sendBadParameter(pages: WechatLoginRuntime['config']['pages'], req: Request, res: Response): void {
  log('refused an undecodable path parameter');
  res.status(400);
  if (prefersJson(req)) return void res.json({ error: 'bad_request' });
  res.send(messagePage(pageView(pages, req), { name: 'bad-address', title: 'error.badAddressTitle', text: 'error.badAddress', action: { href: '/', label: 'common.home' } }));
}

function sendRouteError(pages: WechatLoginRuntime['config']['pages'], error: { status: number; name?: string; code?: string; message?: string }, req: Request, res: Response): void {
  const status = error.status >= 400 && error.status < 600 ? error.status : 500;
  log('route error %s (%s): %s', error?.name, error?.code, error?.message);
  const home = { href: '/', label: 'common.home' } as const;
  const view = pageView(pages, req);
  if (status === 503) {
    return sendUnavailable(res, prefersJson(req), messagePage(view, { name: 'busy', title: 'busy.title', text: 'busy.signIn', action: home }));
  }
  res.status(status);
  if (prefersJson(req)) return void res.json({ error: 'wechat_login_failed' });
  res.send(messagePage(view, { name: 'failed', title: 'error.title', text: 'error.text', action: home }));
}
