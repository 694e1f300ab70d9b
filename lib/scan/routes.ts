import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ResolvedScanLoginConfig } from '../config/config.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import { sameOriginOnly } from '../http/same-origin.js';
import { securityHeaders } from '../http/security-headers.js';
import { createScanDesk } from './desk.js';
import { scanRoutes } from './paths.js';
import { scanCallbackRoute } from './callback-route.js';
import { scanCompleteRoute, scanEventsRoute, scanPageRoute, scanStatusRoute } from './desktop-routes.js';
import { scanCancelRoute, scanConfirmRoute, scanTicketRoute } from './phone-routes.js';

const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

/** Scan to sign in: the desktop's page, stream, status and sign-in; the phone's ticket page, confirm and cancel. */
export function mountScanRoutes(routes: Router, runtime: WechatLoginRuntime, settings: ResolvedScanLoginConfig): void {
  const desk = createScanDesk(runtime, settings);
  const at = scanRoutes(settings.path);
  const sameOrigin = sameOriginOnly(runtime.site);
  const secure = securityHeaders(runtime.config.pages.imageOrigins);
  routes.get(at.page, secure, noStore, scanPageRoute(runtime, desk));
  routes.get(at.status, secure, scanStatusRoute(runtime, desk));
  routes.get(at.events, secure, scanEventsRoute(runtime, desk));
  routes.get(at.complete, secure, noStore, scanCompleteRoute(runtime, desk));
  routes.get(at.callback, secure, scanCallbackRoute(runtime, desk));
  routes.get(at.ticket, secure, scanTicketRoute(runtime, desk));
  routes.post(at.confirm, secure, noStore, sameOrigin, form, scanConfirmRoute(runtime, desk));
  routes.post(at.cancel, secure, noStore, sameOrigin, form, scanCancelRoute(runtime, desk));
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
