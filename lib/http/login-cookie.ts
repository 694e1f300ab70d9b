import type { Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import type { Site } from './site.js';

/**
 * The browser binder of started logins, in a dedicated cookie: persistent for the login timeout (it survives
 * WeChat dropping session cookies), httpOnly, scoped to our routes. It replaces a pre-login session: an
 * anonymous visitor who starts a login gets no session until the callback succeeds.
 */
export interface LoginCookie {
  read(req: Request): string | undefined;
  set(req: Request, res: Response, binder: string): void;
  clear(req: Request, res: Response): void;
}

export function createLoginCookie(options: { name: string; path: string; maxAgeMs: number; site: Site }): LoginCookie {
  const { name, path, maxAgeMs, site } = options;
  const attributes = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, secure: site.isSecure(req), path });
  return {
    read(req) {
      const header = req.headers.cookie;
      return header ? parseCookies(header)[name] || undefined : undefined;
    },
    set(req, res, binder) {
      res.cookie(name, binder, { ...attributes(req), maxAge: maxAgeMs });
    },
    clear(req, res) {
      res.clearCookie(name, attributes(req));
    },
  };
}
