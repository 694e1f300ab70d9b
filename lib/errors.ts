/**
 * Every error this package raises. Match on `code` (exported constants), not on `instanceof`:
 * two copies of the package in one app would make `instanceof` lie.
 */

export const ERR_INVALID_OPTION = 'ERR_WECHAT_INVALID_OPTION';
export const ERR_WECHAT_API = 'ERR_WECHAT_API';
export const ERR_WECHAT_UNAVAILABLE = 'ERR_WECHAT_UNAVAILABLE';
export const ERR_INVALID_ARGUMENT = 'ERR_WECHAT_INVALID_ARGUMENT';
export const ERR_REAUTHORIZATION_REQUIRED = 'ERR_WECHAT_REAUTHORIZATION_REQUIRED';
export const ERR_TOKEN_REFRESH_BUSY = 'ERR_WECHAT_TOKEN_REFRESH_BUSY';
export const ERR_STORE_UNAVAILABLE = 'ERR_WECHAT_STORE_UNAVAILABLE';
export const ERR_ELEMENT_CONFIG = 'ERR_WECHAT_ELEMENT_CONFIG';

/** WeChat errcodes this package reacts to (see ../shared/wechat-api.md). */
export const WECHAT_ERRCODES = {
  SYSTEM_BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_OPENID: 40003,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  INVALID_CODE: 40029,
  INVALID_REFRESH_TOKEN: 40030,
  INVALID_APPSECRET: 40125,
  CODE_BEEN_USED: 40163,
  MISSING_CODE: 41008,
  ACCESS_TOKEN_EXPIRED: 42001,
  REFRESH_TOKEN_EXPIRED: 42002,
  CODE_EXPIRED: 42003,
  API_UNAUTHORIZED: 48001,
  /** The app access token's force_refresh: 20 a day. */
  DAILY_QUOTA_REACHED: 45009,
  /** The app access token's force_refresh: at least 30 s apart. */
  TOO_FREQUENT: 45011,
} as const;

export interface WechatLoginErrorOptions {
  code: string;
  status?: number;
  cause?: unknown;
}

export class WechatLoginError extends Error {
  readonly code: string;
  /** The HTTP status a route should answer with when this error reaches it. */
  readonly status: number;

  constructor(message: string, { code, status = 500, cause }: WechatLoginErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** The user must go through WeChat's authorization again (refresh token dead, grant gone, tokens unreadable, or wider scope needed). */
export class ReauthorizationRequiredError extends WechatLoginError {
  readonly scope: string | undefined;
  constructor(reason: string, options: { scope?: string; cause?: unknown } = {}) {
    super(`WeChat authorization required: ${reason}`, { code: ERR_REAUTHORIZATION_REQUIRED, status: 401, cause: options.cause });
    this.scope = options.scope;
  }
}

/** A bad option given to a factory: the message names the option and how to fix it. */
export class WechatConfigError extends TypeError {
  readonly code = ERR_INVALID_OPTION;
  readonly status = 500;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad argument given to a method, e.g. an empty code. */
export class WechatArgumentError extends WechatLoginError {
  constructor(message: string) {
    super(message, { code: ERR_INVALID_ARGUMENT, status: 400 });
  }
}

/** The /sns/* calls of a login; `stable_token` and `getticket` are the app's own token and JS-SDK ticket (/cgi-bin/*). */
export type WechatEndpoint = 'access_token' | 'refresh_token' | 'userinfo' | 'auth' | 'stable_token' | 'getticket';

/** WeChat answered with `errcode !== 0`. */
export class WechatApiError extends WechatLoginError {
  readonly errcode: number;
  readonly errmsg: string;
  /** WeChat's request id, from "rid: ..." in errmsg: quote it when asking WeChat's support. */
  readonly rid: string | undefined;
  readonly endpoint: WechatEndpoint;

  constructor(endpoint: WechatEndpoint, errcode: number, errmsg: string) {
    super(`WeChat ${endpoint} failed: ${errcode} ${errmsg}`, {
      code: ERR_WECHAT_API,
      status: statusForErrcode(errcode),
    });
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.rid = /rid:\s*([\w-]+)/.exec(errmsg)?.[1];
    this.endpoint = endpoint;
  }
}

export type WechatUnavailableReason = 'timeout' | 'network' | 'http_status' | 'invalid_body';

/** WeChat could not be reached or gave an answer that is not WeChat's JSON: transient, try again later. */
export class WechatUnavailableError extends WechatLoginError {
  readonly endpoint: WechatEndpoint;
  readonly reason: WechatUnavailableReason;
  readonly httpStatus: number | undefined;

  constructor(
    endpoint: WechatEndpoint,
    reason: WechatUnavailableReason,
    details: { httpStatus?: number; cause?: unknown; detail?: string } = {},
  ) {
    const suffix = details.detail ? ` (${details.detail})` : '';
    super(`WeChat ${endpoint} unavailable: ${reason}${suffix}`, {
      code: ERR_WECHAT_UNAVAILABLE,
      status: 503,
      cause: details.cause,
    });
    this.endpoint = endpoint;
    this.reason = reason;
    this.httpStatus = details.httpStatus;
  }
}

function statusForErrcode(errcode: number): number {
  if (errcode === WECHAT_ERRCODES.SYSTEM_BUSY) return 503;
  if (errcode === WECHAT_ERRCODES.INVALID_APPID || errcode === WECHAT_ERRCODES.INVALID_APPSECRET) return 500;
  return 400;
}

/** True for errors that say "try again soon" rather than "this will never work". */
export function isTransientError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ERR_WECHAT_UNAVAILABLE || code === ERR_STORE_UNAVAILABLE || code === ERR_TOKEN_REFRESH_BUSY) return true;
  return code === ERR_WECHAT_API && (error as WechatApiError).errcode === WECHAT_ERRCODES.SYSTEM_BUSY;
}

/** True when `error` is a WeChat API error with one of the given errcodes. */
export function hasErrcode(error: unknown, ...errcodes: number[]): error is WechatApiError {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  return e?.code === ERR_WECHAT_API && typeof e.errcode === 'number' && errcodes.includes(e.errcode);
}
