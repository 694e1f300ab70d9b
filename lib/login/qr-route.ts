import type { Request, Response } from 'express';
import { messagePage, pageView, qrPage } from '../http/pages.js';
import { qrCodeSvg } from '../http/qr-code.js';
import { safeReturnTo } from '../http/return-to.js';
import type { WechatLoginRuntime } from './runtime.js';

export type QrPageDependencies = Pick<WechatLoginRuntime, 'config' | 'paths' | 'site'>;

/** The "open in WeChat" page: a QR code of one of our own pages, to scan with WeChat. */
export async function renderQrPage({ config, paths, site }: QrPageDependencies, req: Request, res: Response, status: number, path: string): Promise<void> {
  const origin = site.originOf(req);
  let url = `${origin}${path}`;
  let qrSvg = await qrCodeSvg(url);
  if (qrSvg === undefined) {
    // Too long for a QR code: the home page's, which the user can navigate from.
    url = `${origin}/`;
    qrSvg = await qrCodeSvg(url);
  }
  if (qrSvg === undefined) {
    res.status(400).type('html').send(messagePage(pageView(config.pages, req), { name: 'too-long', title: 'qr.tooLongTitle', text: 'qr.tooLong', action: { href: '/', label: 'common.home' } }));
    return;
  }
  const emulatorLoginHref = config.emulatorLink ? paths.loginUrl({ returnTo: path }) : undefined;
  res.status(status).type('html').send(qrPage(pageView(config.pages, req), { url, qrSvg, emulatorLoginHref }));
}

/** GET {prefix}/qr?url= — the QR page for any page of ours (used by the browser client outside WeChat). */
export function qrRoute(deps: QrPageDependencies) {
  return async function qr(req: Request, res: Response): Promise<void> {
    const path = safeReturnTo(req.query.url, { ...deps.site.returnToPolicy(req), allowedHosts: [] });
    await renderQrPage(deps, req, res, 200, path);
  };
}
