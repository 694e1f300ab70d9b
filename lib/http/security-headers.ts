import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The headers every answer of ours carries (our routes, and the guard's and error handler's answers on the app's
 * pages; never the app's own pages). What each stops:
 * - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no other page (another origin of the same site
 *   included, where SameSite cookies still flow) may frame ours, so a transparent frame cannot steer a Confirm or
 *   Sign out click (clickjacking). XFO for old WebViews, frame-ancestors for the rest.
 * - CSP `script-src`/`style-src 'nonce-…'`: only the inline code our page shell writes, with this response's
 *   nonce, runs; an injected tag or attribute does not. `connect-src 'self'` keeps the scan page's stream and
 *   polling on our origin; `base-uri`/`object-src 'none'` close the classic bypasses. No `form-action`: Confirm
 *   redirects to WeChat's authorization, which browsers check against form-action too.
 * - `X-Content-Type-Options: nosniff`: a JSON or text answer is never read as HTML or script.
 * - `Referrer-Policy: same-origin`: our pages' own form posts carry our Origin (what the same-origin check needs in
 *   a WebView without `Sec-Fetch-Site`); WeChat and other sites get no Referer (no ticket ids, no return paths).
 *
 * The nonce: a fresh 128-bit one per response, in `res.locals.cspNonce`. `pageView()` (pages.ts) reads it from
 * there, so the shell marks its `<style>`/`<script>` with it and `pages.render` receives it as `page.nonce` (an
 * app's own rendering must put it on each inline tag). A page rendered before the headers are set has none.
 */

export const SECURITY_HEADERS = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
} as const;

/** Origins besides ours that our pages load images from (`pages.imageOrigins`: the logo's). */
export type ImageOrigins = readonly string[];

export function contentSecurityPolicy(nonce: string, imageOrigins: ImageOrigins = []): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    ["img-src 'self' data:", ...imageOrigins].join(' '),
    "connect-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** This response's CSP nonce, set on our routes (`lib/http/security-headers.ts`). */
      cspNonce?: string;
    }
  }
}

/** Sets the headers and this response's nonce; returns the nonce. Idempotent for one response. */
export function setSecurityHeaders(res: Response, imageOrigins: ImageOrigins = []): string {
  const nonce = res.locals.cspNonce ?? randomBytes(16).toString('base64');
  res.locals.cspNonce = nonce;
  res.set(SECURITY_HEADERS);
  res.set('Content-Security-Policy', contentSecurityPolicy(nonce, imageOrigins));
  return nonce;
}

/** Middleware for each of our routes (first, so every page built after it finds its nonce). */
export function securityHeaders(imageOrigins: ImageOrigins = []): RequestHandler {
  return function securityHeadersMiddleware(_req: Request, res: Response, next: NextFunction): void {
    setSecurityHeaders(res, imageOrigins);
    next();
  };
}

/**
 * For an answer of ours outside the route middleware (the guard and the error handler on the app's routes, our
 * route error page): the headers first, then `answer`, which builds its page (and so finds the nonce).
 */
export function answerSecurely<T>(res: Response, imageOrigins: ImageOrigins, answer: () => T): T {
  setSecurityHeaders(res, imageOrigins);
  return answer();
}
