import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { requestCookie } from '../http/request-cookie.js';
import type { Site } from '../http/site.js';

/**
 * The desktop browser's scan secret, in its own httpOnly cookie (SameSite=Lax, one day): every ticket it creates
 * stores the secret's hash, and every poll and the final sign-in must present the secret. Another browser
 * holding the same QR code (or ticket id) has no way to it.
 */
export interface ScanCookie {
  readonly name: string;
  /** This browser's secret, made (and set on `res`) when it has none. */
  secretFor(req: Request, res: Response): string;
  read(req: Request): string | undefined;
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_AGE_MS = 24 * 3600 * 1000;

export function createScanCookie(options: { name: string; path: string; site: Site }): ScanCookie {
  const { name, path, site } = options;
  const read = (req: Request): string | undefined => {
    const value = requestCookie(req, name);
    return value && SECRET_PATTERN.test(value) ? value : undefined;
  };
  return {
    name,
    read,
    secretFor(req, res) {
      const known = read(req);
      if (known) return known;
      const secret = randomBytes(32).toString('base64url');
      res.cookie(name, secret, { httpOnly: true, sameSite: 'lax', secure: site.isSecure(req), path, maxAge: MAX_AGE_MS });
      return secret;
    },
  };
}

/** Tickets keep hashes only: what Redis holds cannot be presented as a cookie. */
export function hashScanSecret(label: 'owner' | 'phone' | 'csrf', secret: string): string {
  return createHash('sha256').update(`${label}:${secret}`).digest('base64url');
}
