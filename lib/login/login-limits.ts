import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientAddressKey } from '../http/client-address.js';
import { requestCounter, requestReservation, sendTooManyRequests, type RateLimitReservation } from '../http/rate-limit.js';
import type { WechatLoginRuntime } from './runtime.js';

const MINUTE = 60_000;
/** How long, in all, a refused exchange reservation waits for a place to be given back: 8 tries, 200 ms apart. */
const BURST_RETRIES = 8;
const BURST_RETRY_MS = 200;

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
  const reserve = requestReservation(deps, { name: 'refused-code', limit: config.rateLimit.refusedCodesPerMinutePerIp, windowMs: MINUTE, key: byAddress });
  // A place also counts while its exchange is in flight, so a burst of a crowd's callbacks can fill the budget for
  // a moment: a refused reservation waits a little for places given back (an accepted code's) before it is a 429.
  // Codes WeChat refused keep their places, so made-up codes still cause at most the limit's exchanges.
  async function reserveExchange(req: Request): Promise<RateLimitReservation> {
    let reservation = await reserve(req);
    for (let attempt = 0; !reservation.allowed && attempt < BURST_RETRIES; attempt++) {
      await sleep(BURST_RETRY_MS);
      reservation = await reserve(req);
    }
    return reservation;
  }
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
