import type { Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { requestCookie } from '../http/request-cookie.js';
import type { Site } from '../http/site.js';
import { isWechatScope, type WechatScope } from '../wechat/types.js';

/** How much longer than a started login the browser remembers where that login was going. */
export const PENDING_LOGIN_MEMORY_MS = 24 * 3600_000;

/** Where a started login was going: what a stale callback of that login starts again with. */
export interface PendingLogin {
  returnTo: string;
  scope: WechatScope;
}

/**
 * The browser binder of started logins, in a dedicated cookie: persistent for the login timeout (it survives
 * WeChat dropping session cookies), httpOnly, scoped to our routes. It replaces a pre-login session: an
 * anonymous visitor who starts a login gets no session until the callback succeeds.
 *
 * Beside it (`{name}.return`), the last started login's returnTo and scope, signed with a key derived from the
 * app secret and bound to that login's nonce, kept a day longer than the state: when the state is gone (expired,
 * a consent page left open), the callback restarts the login to the same place. Only a callback carrying that
 * nonce gets it back; the restarted login checks the returnTo again like any other.
 */
export interface LoginCookie {
  read(req: Request): string | undefined;
  set(req: Request, res: Response, binder: string): void;
  /** Remembers where the login with this nonce goes (the browser keeps the latest one only). */
  remember(req: Request, res: Response, nonce: string, pending: PendingLogin): void;
  /** Where the login with this nonce was going, if this browser started it last and the cookie is ours. */
  recall(req: Request, nonce: string): PendingLogin | undefined;
  clear(req: Request, res: Response): void;
}

export function createLoginCookie(options: { name: string; path: string; maxAgeMs: number; site: Site; secret: string }): LoginCookie {
  const { name, path, maxAgeMs, site } = options;
  const returnName = `${name}.return`;
  const key = createHmac('sha256', options.secret).update('wechat-official-login pending-login cookie').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const attributes = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, secure: site.isSecure(req), path });
  return {
    read: (req) => requestCookie(req, name),
    set(req, res, binder) {
      res.cookie(name, binder, { ...attributes(req), maxAge: maxAgeMs });
    },
    remember(req, res, nonce, { returnTo, scope }) {
      const payload = Buffer.from(JSON.stringify([nonce, returnTo, scope])).toString('base64url');
      res.cookie(returnName, `${payload}.${sign(payload)}`, { ...attributes(req), maxAge: maxAgeMs + PENDING_LOGIN_MEMORY_MS });
    },
    recall(req, nonce) {
      const [payload, mac, ...rest] = (requestCookie(req, returnName) ?? '').split('.');
      if (!payload || !mac || rest.length > 0 || !sameText(mac, sign(payload))) return undefined;
      const parsed = parseJson(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(parsed) || parsed[0] !== nonce || typeof parsed[1] !== 'string') return undefined;
      const scope = parsed[2];
      return isWechatScope(scope) ? { returnTo: parsed[1], scope } : undefined;
    },
    clear(req, res) {
      res.clearCookie(name, attributes(req));
      res.clearCookie(returnName, attributes(req));
    },
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
