import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ResolvedScanLoginConfig } from '../config/config.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import { sameOriginOnly } from '../http/same-origin.js';
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
  routes.get(at.page, noStore, scanPageRoute(runtime, desk));
  routes.get(at.status, scanStatusRoute(runtime, desk));
  routes.get(at.events, scanEventsRoute(runtime, desk));
  routes.get(at.complete, noStore, scanCompleteRoute(runtime, desk));
  routes.get(at.callback, scanCallbackRoute(runtime, desk));
  routes.get(at.ticket, scanTicketRoute(runtime, desk));
  routes.post(at.confirm, noStore, sameOrigin, form, scanConfirmRoute(runtime, desk));
  routes.post(at.cancel, noStore, sameOrigin, form, scanCancelRoute(runtime, desk));
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
