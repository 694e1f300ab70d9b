import { WechatConfigError } from '../errors.js';

export interface RateLimitOptions {
  /** Logins started per client address (IPv6: per /64) within any minute. Default 60. */
  loginsPerMinutePerIp?: number;
  /** Logins started per browser (its login cookie) within any `loginTimeoutMs`, so its open states; ≥ 2. Default 10. */
  openLoginsPerBrowser?: number;
}

export type ResolvedRateLimitConfig = Required<RateLimitOptions>;

export const RATE_LIMIT_DEFAULTS: ResolvedRateLimitConfig = { loginsPerMinutePerIp: 60, openLoginsPerBrowser: 10 };

/** `rateLimit`, validated once at start-up: false (off) or both limits with their defaults filled in. */
export function resolveRateLimit(value: unknown): ResolvedRateLimitConfig | false {
  if (value === false) return false;
  if (value === undefined) return { ...RATE_LIMIT_DEFAULTS };
  if (!value || typeof value !== 'object') {
    throw new WechatConfigError('"rateLimit" must be { loginsPerMinutePerIp, openLoginsPerBrowser } (either may be left out) or false to turn the limits off');
  }
  const given = value as RateLimitOptions;
  const limit = (name: keyof RateLimitOptions, min: number, why: string): number => {
    const n = given[name];
    if (n === undefined) return RATE_LIMIT_DEFAULTS[name];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
      throw new WechatConfigError(`"rateLimit.${name}" must be a whole number ≥ ${min}${why} (or rateLimit: false to turn the limits off)`);
    }
    return n;
  };
  return {
    loginsPerMinutePerIp: limit('loginsPerMinutePerIp', 1, ''),
    openLoginsPerBrowser: limit('openLoginsPerBrowser', 2, ': a login restarted after a stale callback is a second one'),
  };
}
