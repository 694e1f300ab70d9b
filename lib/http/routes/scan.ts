import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ResolvedScanLoginConfig } from '../../config.js';
import type { WechatLoginRuntime } from '../runtime.js';
import { sameOriginOnly } from '../same-origin.js';
import { createScanDesk } from '../scan-desk.js';
import { scanRoutes } from '../scan-paths.js';
import { scanCallbackRoute } from './scan-callback.js';
import { scanCompleteRoute, scanEventsRoute, scanPageRoute, scanStatusRoute } from './scan-desktop.js';
import { scanCancelRoute, scanConfirmRoute, scanTicketRoute } from './scan-phone.js';

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
