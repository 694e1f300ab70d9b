import type { NextFunction, Request, Response } from 'express';
import { prefersJson } from './request-kind.js';
import type { Site } from './site.js';

/**
 * State-changing POSTs of ours (logout) are refused when the browser says they come from another site.
 * SameSite=Lax alone is not enough: older in-app browsers and some proxies ignore it. `Sec-Fetch-Site` decides
 * when present; older browsers are judged by `Origin` (`null` refused), else by `Referer`. A request with none of
 * them (curl, an old client) is not a browser attack and passes.
 */
export function sameOriginOnly(site: Pick<Site, 'originOf'>) {
  return function requireSameOrigin(req: Request, res: Response, next: NextFunction): void {
    if (isSameOrigin(req, site.originOf(req))) return next();
    res.status(403);
    if (prefersJson(req)) return void res.json({ error: 'cross_site_request' });
    res.type('text').send('Cross-site request refused.');
  };
}

function isSameOrigin(req: Request, ours: string): boolean {
  // The browser's own verdict when it gives one. Without it (WebViews before Sec-Fetch-Site, iOS before 16.4
  // among them), Origin: our pages' `Referrer-Policy: same-origin` keeps it on their own form posts.
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'same-origin' || fetchSite === 'none';
  const origin = req.get('origin');
  if (origin !== undefined) return origin === ours; // "null" (sandboxed frames, data: URLs) is never ours
  const referer = req.get('referer');
  if (referer !== undefined) return originOfUrl(referer) === ours;
  return true;
}

function originOfUrl(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
