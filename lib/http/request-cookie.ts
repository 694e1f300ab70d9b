import type { Request } from 'express';
import { parse as parseCookies } from 'cookie';

/** The value of one cookie the request carries (undefined when absent or empty); no cookie-parser needed. */
export function requestCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[name] || undefined : undefined;
}
