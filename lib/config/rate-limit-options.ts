import { WechatConfigError } from '../errors.js';

/**
 * What is limited is what costs us or WeChat without a login at the end, counted per client address (IPv6: per
 * /64) in the store, so each limit holds across processes. A login that completes is never refused.
 */
export interface RateLimitOptions {
  /** Code exchanges WeChat refuses (made-up, used or expired codes) per client address within any minute. Default 30. */
  refusedCodesPerMinutePerIp?: number;
  /** Callbacks with a missing, foreign, expired or used state per client address within any minute. Default 60. */
  badCallbacksPerMinutePerIp?: number;
  /** Scan codes shown on a desktop and not (yet) confirmed, per client address within any minute. Default 60. */
  scanCodesPerMinutePerIp?: number;
  /**
   * Scan codes in flight from every address together (each lives `scanLogin.ttlSeconds`): the ceiling on what
   * anonymous desktops may hold in Redis; past it new codes get 429 with Retry-After. Default 10,000.
   */
  scanCodesInFlight?: number;
  /** Started logins a browser holds at once (one cookie each; the oldest is dropped past it); ≥ 2. Default 10. */
  openLoginsPerBrowser?: number;
  /**
   * @deprecated Ignored since logins that complete are no longer limited (a crowd behind one address all logs
   * in); a start-up warning names the replacements. Remove it, or set `refusedCodesPerMinutePerIp` and
   * `badCallbacksPerMinutePerIp` to bound what fails.
   */
  loginsPerMinutePerIp?: number;
}

export type ResolvedRateLimitConfig = Required<Omit<RateLimitOptions, 'loginsPerMinutePerIp'>>;

export const RATE_LIMIT_DEFAULTS: ResolvedRateLimitConfig = {
  refusedCodesPerMinutePerIp: 30,
  badCallbacksPerMinutePerIp: 60,
  scanCodesPerMinutePerIp: 60,
  scanCodesInFlight: 10_000,
  openLoginsPerBrowser: 10,
};

/** The cap on a browser's open logins (their cookies) holds with `rateLimit: false` too: it is what the browser carries. */
export const OPEN_LOGINS_WITHOUT_LIMITS = RATE_LIMIT_DEFAULTS.openLoginsPerBrowser;

const SHAPE = '{ refusedCodesPerMinutePerIp, badCallbacksPerMinutePerIp, scanCodesPerMinutePerIp, scanCodesInFlight, openLoginsPerBrowser }';

/** `rateLimit`, validated once at start-up: false (off) or every limit with its default filled in. */
export function resolveRateLimit(value: unknown, warn: (message: string) => void = () => undefined): ResolvedRateLimitConfig | false {
  if (value === false) return false;
  if (value === undefined) return { ...RATE_LIMIT_DEFAULTS };
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new WechatConfigError(`"rateLimit" must be ${SHAPE} (any may be left out) or false to turn the limits off`);
  }
  const given = value as RateLimitOptions;
  const known = new Set([...Object.keys(RATE_LIMIT_DEFAULTS), 'loginsPerMinutePerIp']);
  const unknown = Object.keys(given).find((name) => !known.has(name));
  if (unknown) throw new WechatConfigError(`"rateLimit.${unknown}" is not an option; rateLimit is ${SHAPE}`);
  if (given.loginsPerMinutePerIp !== undefined) {
    warn(
      '"rateLimit.loginsPerMinutePerIp" is ignored: logins that complete are no longer limited. Remove it; what fails is ' +
        'bounded by "rateLimit.refusedCodesPerMinutePerIp" (default 30) and "rateLimit.badCallbacksPerMinutePerIp" (default 60), ' +
        'scan codes by "rateLimit.scanCodesPerMinutePerIp" (default 60).',
    );
  }
  const limit = (name: keyof ResolvedRateLimitConfig, min: number, why: string): number => {
    const n = given[name];
    if (n === undefined) return RATE_LIMIT_DEFAULTS[name];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
      throw new WechatConfigError(`"rateLimit.${name}" must be a whole number ≥ ${min}${why} (or rateLimit: false to turn the limits off)`);
    }
    return n;
  };
  return {
    refusedCodesPerMinutePerIp: limit('refusedCodesPerMinutePerIp', 1, ''),
    badCallbacksPerMinutePerIp: limit('badCallbacksPerMinutePerIp', 1, ''),
    scanCodesPerMinutePerIp: limit('scanCodesPerMinutePerIp', 1, ''),
    scanCodesInFlight: limit('scanCodesInFlight', 1, ''),
    openLoginsPerBrowser: limit('openLoginsPerBrowser', 2, ': a login restarted after a stale callback is a second one'),
  };
}
