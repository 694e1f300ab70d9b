import type { Request } from 'express';
import type { ReturnToPolicy } from './return-to.js';

/** Who we are on the web: our public origin and whether it is https, from `publicUrl` or else the request. */
export interface Site {
  /** `publicUrl`'s origin when set, else what this request says (`trust proxy` decides which headers count). */
  originOf(req: Request): string;
  isSecure(req: Request): boolean;
  returnToPolicy(req: Request): ReturnToPolicy;
  /** False when, without `publicUrl`, the request's Host makes no origin (empty, junk, a bad port). */
  hasUsableOrigin(req: Request): boolean;
}

export function createSite(publicUrl: URL | undefined, allowedReturnHosts: readonly string[]): Site {
  const originOf = (req: Request) => publicUrl?.origin ?? `${req.protocol}://${req.get('host')}`;
  return {
    originOf,
    isSecure: (req) => (publicUrl ? publicUrl.protocol === 'https:' : req.secure),
    returnToPolicy: (req) => ({ origin: originOf(req), allowedHosts: allowedReturnHosts }),
    hasUsableOrigin: (req) => publicUrl !== undefined || isOrigin(originOf(req)),
  };
}

function isOrigin(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return url.host !== '' && url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '' && !candidate.endsWith('/');
  } catch {
    return false;
  }
}
