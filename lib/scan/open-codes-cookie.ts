import type { Request, Response } from 'express';
import { requestCookie } from '../http/request-cookie.js';
import type { Site } from '../http/site.js';
import type { ScanTicketSealer } from './ticket-token.js';

/**
 * The cap of open codes per desktop browser, kept by the browser: a cookie listing when each of its codes
 * expires, signed together with the browser's owner hash (so it cannot be moved to another browser or edited).
 * Dropping it frees the browser's places, as dropping its scan cookie always did (a new secret, a new owner);
 * the per-address count and `scanCodesInFlight` still bound what many browsers can ask for.
 */
export interface OpenCodesCookie {
  /** Takes a place until `expiresAt`, unless this browser holds `max` codes open now: false then. */
  add(req: Request, res: Response, ownerHash: string, now: number, expiresAt: number, max: number): boolean;
}

const VALUE = /^([0-9a-z]{1,12}(?:\.[0-9a-z]{1,12}){0,99})~([A-Za-z0-9_-]{22})$/;

export function createOpenCodesCookie({ name, path, site, sealer }: { name: string; path: string; site: Site; sealer: ScanTicketSealer }): OpenCodesCookie {
  const held = (req: Request, ownerHash: string): number[] => {
    const match = VALUE.exec(requestCookie(req, name) ?? '');
    if (!match || !sealer.verify(`${ownerHash}:${match[1]}`, match[2]!)) return [];
    return match[1]!.split('.').map((part) => parseInt(part, 36));
  };
  return {
    add(req, res, ownerHash, now, expiresAt, max) {
      const open = held(req, ownerHash).filter((until) => until > now);
      if (open.length >= max) return false;
      open.push(expiresAt);
      const list = open.map((until) => until.toString(36)).join('.');
      const maxAge = Math.max(1, Math.max(...open) - now);
      res.cookie(name, `${list}~${sealer.sign(`${ownerHash}:${list}`)}`, { httpOnly: true, sameSite: 'lax', secure: site.isSecure(req), path, maxAge });
      return true;
    },
  };
}
