import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { qrPage } from '../pages.js';
import { safeReturnTo } from '../return-to.js';
import { loginPath, originOf, returnToPolicy, type WechatLoginRuntime } from '../runtime.js';

/** The "open in WeChat" page: a QR code of one of our own pages, to scan with WeChat. */
export async function renderQrPage(runtime: WechatLoginRuntime, req: Request, res: Response, status: number, path: string): Promise<void> {
  const url = `${originOf(runtime, req)}${path}`;
  const qrSvg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const emulatorLoginHref = runtime.emulatorLink ? loginPath(runtime, { returnTo: path }) : undefined;
  res.status(status).type('html').send(qrPage({ url, qrSvg, emulatorLoginHref }));
}

/** GET {prefix}/qr?url= — the QR page for any page of ours (used by the browser client outside WeChat). */
export function qrRoute(runtime: WechatLoginRuntime) {
  return async function qr(req: Request, res: Response): Promise<void> {
    const path = safeReturnTo(req.query.url, { ...returnToPolicy(runtime, req), allowedHosts: [] });
    await renderQrPage(runtime, req, res, 200, path);
  };
}
