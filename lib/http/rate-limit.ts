import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import { logger } from '../debug.js';
import { WechatConfigError } from '../errors.js';
import type { RateLimitVerdict, WechatStore } from '../store/types.js';
import { resolvePages, type ResolvedPagesConfig } from '../config/pages-options.js';
import { messagePage, pageView } from './pages.js';
import { prefersJson } from './request-kind.js';

const log = logger('rate-limit');

export interface RateLimitRule {
  /** Names the limit in Redis keys and logs, e.g. 'login-ip': lower-case letters, digits and '-'. */
  name: string;
  /** Requests allowed per key within any `windowMs`. */
  limit: number;
  windowMs: number;
  /**
   * Who is counted, e.g. `(req) => clientAddressKey(req.ip)`; `undefined` leaves the request uncounted. Keys
   * longer than 64 characters or with other characters than [A-Za-z0-9:._/-] are stored as their SHA-256.
   */
  key: (req: Request) => string | undefined;
}

export interface RateLimitDependencies {
  /** The store every process shares (Redis), so the limit holds across processes. */
  store: Pick<WechatStore, 'hitRateLimit'>;
  clock: Clock;
  /** The language and branding of the 429 page; default the built-in Chinese/English text. */
  pages?: ResolvedPagesConfig;
}

/**
 * Middleware counting each request against `rule` (a sliding window in the store, one round trip). Past the
 * limit it answers 429 with `Retry-After` (seconds) and a short page, or `{ "error": "rate_limited" }` for
 * JSON callers, and the route never runs: a refused request writes nothing but its own count. A store failure
 * goes to `next(err)` as the store's 503 (a limiter that cannot count does not let a flood through).
 *
 * @example
 * routes.get('/callback', rateLimit({ store, clock }, { name: 'callback-ip', limit: 60, windowMs: 60_000, key: (req) => clientAddressKey(req.ip) }), login);
 */
export function rateLimit(deps: RateLimitDependencies, rule: RateLimitRule): RequestHandler {
  const count = requestCounter(deps, rule);
  return async function rateLimited(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const verdict = await count(req);
      if (verdict.allowed) return next();
      sendTooManyRequests(req, res, verdict.retryAfterMs, deps.pages);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * `rule` checked once, as a function counting one request (one round trip): for a place that is not a route of
 * its own, such as the guard issuing a scan code. A request the rule's key leaves uncounted is allowed.
 */
export function requestCounter(deps: RateLimitDependencies, rule: RateLimitRule): (req: Request) => Promise<RateLimitVerdict> {
  const { name, limit, windowMs, key } = checkRule(rule);
  return async function countRequest(req) {
    const who = key(req);
    if (who === undefined) return { allowed: true, retryAfterMs: 0 };
    const verdict = await deps.store.hitRateLimit({ name, key: storedKey(who), limit, windowMs, now: deps.clock.now() });
    if (!verdict.allowed) log('%s: limit of %d per %d ms reached, refused for %d ms', name, limit, windowMs, verdict.retryAfterMs);
    return verdict;
  };
}

export interface RateLimitReservation extends RateLimitVerdict {
  /** Takes the counted hit back (what it counted did not happen after all); a no-op when nothing was counted. */
  release(): Promise<void>;
}

/**
 * `rule` checked once, as a function reserving one place before something that costs (a code exchange at WeChat):
 * the place counts at once, so concurrent requests cannot all pass, and `release()` gives it back when the thing
 * turned out not to count (WeChat accepted the code). One round trip each.
 */
export function requestReservation(
  deps: { store: Pick<WechatStore, 'hitRateLimit' | 'forgetRateLimitHit'>; clock: Clock },
  rule: RateLimitRule,
): (req: Request) => Promise<RateLimitReservation> {
  const { name, limit, windowMs, key } = checkRule(rule);
  return async function reserve(req) {
    const who = key(req);
    if (who === undefined) return { allowed: true, retryAfterMs: 0, release: async () => undefined };
    const member = randomBytes(8).toString('hex');
    const stored = storedKey(who);
    const verdict = await deps.store.hitRateLimit({ name, key: stored, limit, windowMs, now: deps.clock.now(), member });
    if (!verdict.allowed) log('%s: limit of %d per %d ms reached, refused for %d ms', name, limit, windowMs, verdict.retryAfterMs);
    return {
      ...verdict,
      release: () => (verdict.allowed ? deps.store.forgetRateLimitHit({ name, key: stored, member }) : Promise.resolve()),
    };
  };
}

/** 429 with `Retry-After` in whole seconds (at least 1), as a page or, for JSON callers, `{ error: 'rate_limited' }`. */
export function sendTooManyRequests(req: Request, res: Response, retryAfterMs: number, pages: ResolvedPagesConfig = resolvePages(undefined)): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  res.status(429).set('Retry-After', String(seconds));
  if (prefersJson(req)) {
    res.json({ error: 'rate_limited', retryAfter: seconds });
    return;
  }
  res.send(
    messagePage(pageView(pages, req), {
      name: 'rate-limited',
      title: 'rateLimited.title',
      text: 'rateLimited.text',
      values: { seconds },
      action: { href: '/', label: 'common.home' },
    }),
  );
}

function checkRule(rule: RateLimitRule): RateLimitRule {
  if (!rule || typeof rule.name !== 'string' || !/^[a-z0-9-]{1,32}$/.test(rule.name)) {
    throw new WechatConfigError('rateLimit(): "name" must be 1-32 lower-case letters, digits or "-", such as "login-ip"');
  }
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 1) throw new WechatConfigError(`rateLimit('${rule.name}'): "limit" must be a whole number ≥ 1`);
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new WechatConfigError(`rateLimit('${rule.name}'): "windowMs" must be a whole number of milliseconds ≥ 1`);
  }
  if (typeof rule.key !== 'function') throw new WechatConfigError(`rateLimit('${rule.name}'): "key" must be a function of the request`);
  return rule;
}

/** Short keys of safe characters are kept readable (an operator can see which address is limited). */
function storedKey(key: string): string {
  return /^[A-Za-z0-9:._/-]{1,64}$/.test(key) ? key : `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}
