import type { Request, Response } from 'express';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Site } from '../http/site.js';
import { isWechatScope, type WechatScope } from '../wechat/types.js';

/**
 * A started login carried by the browser instead of Redis: one cookie per state, `{name}.<nonce>`, holding the
 * binder's hash, returnTo, scope, when it started and expires, whether it is a restart, and the scan ticket it
 * serves. Sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the session secret, the cookie's name as
 * associated data: it can be neither read (returnTo may be private) nor altered, nor moved to another nonce.
 * Several tabs hold several cookies; a browser holds at most `maxPerBrowser` of them and `MAX_TOTAL_BYTES` in all
 * (the oldest dropped), so a visitor who never comes back leaves nothing on our side.
 */
export interface LoginStateCookie {
  binderHash: string;
  returnTo: string;
  scope: WechatScope;
  /** ms since epoch by the injected clock. */
  createdAt: number;
  expiresAt: number;
  /** This login restarts a stale callback's: do not restart again. */
  retry: boolean;
  /** The phone's authorization for this desktop scan ticket. */
  scanTicketId?: string;
  /** The login went to the website app's QR page (qrconnect): its code is exchanged with that app. */
  app?: 'website';
}

export interface LoginStateCookies {
  /** Sets the cookie of `nonce`, dropping this browser's oldest ones past the caps. */
  write(req: Request, res: Response, nonce: string, state: LoginStateCookie): void;
  /** The state of `nonce` if this browser holds its cookie and it is ours (expired or not); else undefined. */
  read(req: Request, nonce: string): LoginStateCookie | undefined;
  /** Forgets the cookie of `nonce` (its login is done). */
  clear(req: Request, res: Response, nonce: string): void;
}

/** Browsers keep about 4 KB of cookies per cookie and some cap the header: our share stays under 8 KB. */
export const MAX_TOTAL_BYTES = 8 * 1024;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const NONCE = /^[0-9a-f]{32}$/;

export interface LoginStateCookieOptions {
  /** The binder cookie's name: each state cookie is `{name}.<nonce>`. */
  name: string;
  path: string;
  maxAgeMs: number;
  maxPerBrowser: number;
  site: Site;
  /** Newest first: writes seal with the first, reads try each (a rotated session secret). */
  secrets: readonly string[];
}

export function createLoginStateCookies({ name, path, maxAgeMs, maxPerBrowser, site, secrets }: LoginStateCookieOptions): LoginStateCookies {
  const keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'wechat-official-login', 'login-state cookie v1', 32)));
  const cookieName = (nonce: string) => `${name}.${nonce}`;
  const attributes = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, secure: site.isSecure(req), path });

  function seal(nonce: string, state: LoginStateCookie): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv).setAAD(Buffer.from(cookieName(nonce)));
    const body = Buffer.concat([cipher.update(JSON.stringify(encode(state)), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  function open(nonce: string, value: string): LoginStateCookie | undefined {
    const raw = Buffer.from(value, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
    for (const key of keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(cookieName(nonce)));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        return decode(JSON.parse(text));
      } catch {
        // another key, or not ours
      }
    }
    return undefined;
  }

  /** This browser's state cookies, by nonce, with their raw size. */
  function held(req: Request): { nonce: string; bytes: number; value: string }[] {
    const header = req.headers.cookie;
    if (!header) return [];
    const prefix = `${name}.`;
    return Object.entries(parseCookies(header))
      .filter(([key, value]) => key.startsWith(prefix) && NONCE.test(key.slice(prefix.length)) && value !== undefined)
      .map(([key, value]) => ({ nonce: key.slice(prefix.length), bytes: key.length + value!.length, value: value! }));
  }

  return {
    write(req, res, nonce, state) {
      const value = seal(nonce, state);
      // Newest first; the ones we cannot read (a rotated-out key, junk) go first of all.
      // Ties (one millisecond, a stopped test clock) by the header's order: browsers list older cookies first.
      const others = held(req)
        .map((cookie, order) => ({ ...cookie, order, createdAt: open(cookie.nonce, cookie.value)?.createdAt ?? -Infinity }))
        .sort((a, b) => b.createdAt - a.createdAt || b.order - a.order);
      let budget = MAX_TOTAL_BYTES - (cookieName(nonce).length + value.length);
      let kept = 1;
      for (const other of others) {
        if (kept < maxPerBrowser && other.createdAt !== -Infinity && other.bytes <= budget) {
          kept++;
          budget -= other.bytes;
        } else {
          res.clearCookie(cookieName(other.nonce), attributes(req));
        }
      }
      res.cookie(cookieName(nonce), value, { ...attributes(req), maxAge: maxAgeMs });
    },
    read(req, nonce) {
      const cookie = held(req).find((c) => c.nonce === nonce);
      return cookie ? open(nonce, cookie.value) : undefined;
    },
    clear(req, res, nonce) {
      res.clearCookie(cookieName(nonce), attributes(req));
    },
  };
}

/** Short field names: ten of these ride on every request to our routes. */
function encode(state: LoginStateCookie): unknown[] {
  const fields: unknown[] = [state.binderHash, state.returnTo, state.scope, state.createdAt, state.expiresAt, state.retry ? 1 : 0];
  if (state.scanTicketId !== undefined || state.app !== undefined) fields.push(state.scanTicketId ?? null);
  if (state.app !== undefined) fields.push(state.app);
  return fields;
}

function decode(fields: unknown): LoginStateCookie | undefined {
  if (!Array.isArray(fields)) return undefined;
  const [binderHash, returnTo, scope, createdAt, expiresAt, retry, scanTicketId, app] = fields;
  if (typeof binderHash !== 'string' || typeof returnTo !== 'string' || !isWechatScope(scope)) return undefined;
  if (typeof createdAt !== 'number' || typeof expiresAt !== 'number') return undefined;
  return {
    binderHash,
    returnTo,
    scope,
    createdAt,
    expiresAt,
    retry: retry === 1,
    ...(typeof scanTicketId === 'string' ? { scanTicketId } : {}),
    ...(app === 'website' ? { app } : {}),
  };
}
