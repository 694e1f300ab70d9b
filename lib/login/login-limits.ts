import type { Request, Response } from 'express';
import { clientAddressKey } from '../http/client-address.js';
import { requestCounter, requestReservation, sendTooManyRequests, type RateLimitReservation } from '../http/rate-limit.js';
import type { WechatLoginRuntime } from './runtime.js';

const MINUTE = 60_000;

/**
 * What a callback may cost without a login at the end, per client address (in the store, across processes):
 * code exchanges WeChat refuses, and callbacks whose state is missing, foreign, expired or used. A callback that
 * logs someone in is never counted and never refused, so a crowd behind one address all log in.
 */
export interface CallbackLimits {
  /**
   * Reserves a place for one code exchange before it goes to WeChat (so concurrent made-up codes cannot all
   * pass); release() gives it back once WeChat accepted the code.
   */
  reserveExchange(req: Request): Promise<RateLimitReservation>;
  /** Counts one bad callback; false when the address is past its limit (then a 429 was sent). */
  countBadCallback(req: Request, res: Response): Promise<boolean>;
}

export function callbackLimits({ config, store }: Pick<WechatLoginRuntime, 'config' | 'store'>): CallbackLimits {
  if (!config.rateLimit) {
    return { reserveExchange: async () => ({ allowed: true, retryAfterMs: 0, release: async () => undefined }), countBadCallback: async () => true };
  }
  const deps = { store, clock: config.clock, pages: config.pages };
  const byAddress = (req: Request) => clientAddressKey(req.ip);
  const reserveExchange = requestReservation(deps, { name: 'refused-code', limit: config.rateLimit.refusedCodesPerMinutePerIp, windowMs: MINUTE, key: byAddress });
  const countBad = requestCounter(deps, { name: 'bad-callback', limit: config.rateLimit.badCallbacksPerMinutePerIp, windowMs: MINUTE, key: byAddress });
  return {
    reserveExchange,
    async countBadCallback(req, res) {
      const verdict = await countBad(req);
      if (!verdict.allowed) sendTooManyRequests(req, res, verdict.retryAfterMs, config.pages);
      return verdict.allowed;
    },
  };
}
