import got, { type Got, type RequestError } from 'got';
import { logger } from '../debug.js';
import {
  WECHAT_ERRCODES,
  WechatApiError,
  WechatArgumentError,
  WechatConfigError,
  WechatUnavailableError,
  hasErrcode,
  type WechatEndpoint,
} from '../errors.js';
import { redact } from '../redact.js';
import type {
  WechatAccessTokenResponse,
  WechatLang,
  WechatRefreshTokenResponse,
  WechatScope,
  WechatUserInfoResponse,
} from './types.js';

export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_AUTHORIZE_BASE_URL = 'https://open.weixin.qq.com';
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY = { limit: 2, baseDelayMs: 100, maxDelayMs: 1_000 } as const;
/** WeChat's documented limit for `state`: at most 128 bytes of [a-zA-Z0-9]. */
export const STATE_PATTERN = /^[a-zA-Z0-9]{1,128}$/;

const log = logger('api');

export interface RetryOptions {
  /** Extra attempts after the first, for `-1 system busy`, connection errors and 5xx. Default 2. */
  limit?: number;
  /** First backoff delay; doubles each attempt, plus up to 50% jitter. Default 100 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff delay. Default 1000 ms. */
  maxDelayMs?: number;
}

export interface WechatApiClientOptions {
  appId: string;
  appSecret: string;
  /** Stands for https://api.weixin.qq.com; point it at the emulator in tests. */
  apiBaseUrl?: string;
  /** Stands for https://open.weixin.qq.com. */
  authorizeBaseUrl?: string;
  /** Timeout of one attempt of one call, in ms. Default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
}

export interface AuthorizeUrlParams {
  /** Absolute URL WeChat redirects to; its host must be the account's web-authorization domain. */
  redirectUri: string;
  scope: WechatScope;
  /** 1–128 characters of [a-zA-Z0-9], echoed back unchanged. */
  state: string;
  /** `forcePopup=true`: always show the consent popup. Default false. */
  forcePopup?: boolean;
  /** `connect_redirect=1` (undocumented, used by WxJava and Socialite) stops WeChat calling back twice. Default true. */
  connectRedirect?: boolean;
}

export interface WechatApiClient {
  buildAuthorizeUrl(params: AuthorizeUrlParams): string;
  /** code → tokens. Never retried once the request may have reached WeChat: a code is single-use. */
  exchangeCode(code: string): Promise<WechatAccessTokenResponse>;
  refreshToken(refreshToken: string): Promise<WechatRefreshTokenResponse>;
  fetchUserInfo(accessToken: string, openid: string, lang?: WechatLang): Promise<WechatUserInfoResponse>;
  /** /sns/auth: true when the token is valid for this openid, false when WeChat says it is not (40001/40003/42001). */
  checkAccessToken(accessToken: string, openid: string): Promise<boolean>;
}

/** A marker error thrown inside got's hook so that got's own retry machinery retries `-1 system busy`. */
const BUSY_CODE = 'EWECHATBUSY';
/** Failures where the request never left this machine: safe to retry even for a single-use code. */
const NOT_SENT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];
const MAYBE_SENT_CODES = ['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_GOT_REQUEST_ERROR'];

/**
 * The typed HTTP client for WeChat's web-authorization endpoints.
 *
 * @example
 * const wechat = createWechatApiClient({ appId: 'wx…', appSecret: process.env.WECHAT_APP_SECRET! });
 * const tokens = await wechat.exchangeCode(req.query.code);
 */
export function createWechatApiClient(options: WechatApiClientOptions): WechatApiClient {
  const { appId, appSecret, apiBaseUrl, authorizeBaseUrl, timeoutMs, retry } = resolveClientOptions(options);

  const http = got.extend({
    prefixUrl: apiBaseUrl,
    timeout: { request: timeoutMs },
    responseType: 'text',
    throwHttpErrors: true,
    followRedirect: false,
    headers: { 'user-agent': 'wechat-official-login' },
    retry: {
      limit: retry.limit,
      methods: ['GET'],
      statusCodes: [500, 502, 503, 504],
      errorCodes: [BUSY_CODE, ...NOT_SENT_CODES, ...MAYBE_SENT_CODES],
      calculateDelay: ({ attemptCount, computedValue }) =>
        computedValue === 0 ? 0 : backoffDelay(attemptCount, retry.baseDelayMs, retry.maxDelayMs),
    },
    hooks: {
      beforeRetry: [
        (error, retryCount) => {
          // Only the endpoint name and error code: got's error carries the URL, secrets included.
          log('%s retry %d after %s', error.options.context.endpoint, retryCount, error.code);
        },
      ],
      afterResponse: [
        (response) => {
          // WeChat answers "busy" with HTTP 200: turn it into an error got's retry understands.
          if (parseErrcode(response.body as string) === WECHAT_ERRCODES.SYSTEM_BUSY) {
            throw Object.assign(new Error('WeChat system busy'), { code: BUSY_CODE });
          }
          return response;
        },
      ],
    },
  });

  // A code is single-use: a retry after a timeout or reset could burn it (the first attempt may have been
  // processed) and turn a slow success into 40163. Only retry what certainly never reached WeChat's logic.
  const codeHttp = http.extend({ retry: { errorCodes: [BUSY_CODE, ...NOT_SENT_CODES], statusCodes: [] } });

  const secrets = () => [appSecret];

  async function call<T>(
    client: Got,
    endpoint: WechatEndpoint,
    path: string,
    searchParams: Record<string, string>,
    extraSecrets: string[] = [],
  ): Promise<T> {
    const started = Date.now();
    let body: string;
    try {
      body = await client.get(path, { searchParams, context: { endpoint } }).text();
    } catch (error) {
      const failure = toUnavailable(endpoint, error as RequestError, [...secrets(), ...extraSecrets]);
      log('%s failed after %dms: %s', endpoint, Date.now() - started, failure.message);
      throw failure;
    }
    const parsed = parseJson(body);
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      log('%s answered a non-JSON body after %dms', endpoint, Date.now() - started);
      throw new WechatUnavailableError(endpoint, 'invalid_body', { detail: 'answer is not JSON' });
    }
    const record = parsed as Record<string, unknown>;
    if (typeof record.errcode === 'number' && record.errcode !== 0) {
      const errmsg = redact(String(record.errmsg ?? ''), [...secrets(), ...extraSecrets]);
      log('%s errcode %d (%s) after %dms', endpoint, record.errcode, errmsg, Date.now() - started);
      throw new WechatApiError(endpoint, record.errcode, errmsg);
    }
    log('%s ok after %dms', endpoint, Date.now() - started);
    return record as T;
  }

  return {
    buildAuthorizeUrl: (params) => buildAuthorizeUrl(authorizeBaseUrl, appId, params),

    async exchangeCode(code) {
      requireString('code', code);
      return call<WechatAccessTokenResponse>(
        codeHttp,
        'access_token',
        'sns/oauth2/access_token',
        { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' },
        [code],
      );
    },

    async refreshToken(refreshToken) {
      requireString('refreshToken', refreshToken);
      return call<WechatRefreshTokenResponse>(
        http,
        'refresh_token',
        'sns/oauth2/refresh_token',
        { appid: appId, grant_type: 'refresh_token', refresh_token: refreshToken },
        [refreshToken],
      );
    },

    async fetchUserInfo(accessToken, openid, lang = 'zh_CN') {
      requireString('accessToken', accessToken);
      requireString('openid', openid);
      return call<WechatUserInfoResponse>(
        http,
        'userinfo',
        'sns/userinfo',
        { access_token: accessToken, openid, lang },
        [accessToken],
      );
    },

    async checkAccessToken(accessToken, openid) {
      requireString('accessToken', accessToken);
      requireString('openid', openid);
      try {
        await call(http, 'auth', 'sns/auth', { access_token: accessToken, openid }, [accessToken]);
        return true;
      } catch (error) {
        const { INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, INVALID_OPENID } = WECHAT_ERRCODES;
        if (hasErrcode(error, INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, INVALID_OPENID)) return false;
        throw error;
      }
    },
  };
}

interface ResolvedClientOptions {
  appId: string;
  appSecret: string;
  apiBaseUrl: string;
  authorizeBaseUrl: string;
  timeoutMs: number;
  retry: Required<RetryOptions>;
}

/** Checked once, here: a retry limit left `undefined` must mean the default, never "retry forever" or "never". */
function resolveClientOptions(options: WechatApiClientOptions): ResolvedClientOptions {
  if (!options || typeof options !== 'object') throw new WechatConfigError('createWechatApiClient(options): "options" must be an object');
  for (const name of ['appId', 'appSecret'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new WechatConfigError(`"${name}" must be a non-empty string (from the Official Account admin, 开发 → 基本配置)`);
    }
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new WechatConfigError(`"timeoutMs" must be a positive number of milliseconds (default ${DEFAULT_TIMEOUT_MS})`);
  }
  const given = options.retry ?? {};
  if (typeof given !== 'object') throw new WechatConfigError('"retry" must be an object such as { limit: 2 }');
  const retry = {
    limit: given.limit ?? DEFAULT_RETRY.limit,
    baseDelayMs: given.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: given.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  if (!Number.isInteger(retry.limit) || retry.limit < 0) {
    throw new WechatConfigError(`"retry.limit" must be a whole number of retries, 0 or more (default ${DEFAULT_RETRY.limit})`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (typeof retry[name] !== 'number' || !Number.isFinite(retry[name]) || retry[name] < 0) {
      throw new WechatConfigError(`"retry.${name}" must be a non-negative number of milliseconds (default ${DEFAULT_RETRY[name]})`);
    }
  }
  return {
    appId: options.appId,
    appSecret: options.appSecret,
    apiBaseUrl: trimSlash(options.apiBaseUrl ?? DEFAULT_API_BASE_URL),
    authorizeBaseUrl: trimSlash(options.authorizeBaseUrl ?? DEFAULT_AUTHORIZE_BASE_URL),
    timeoutMs,
    retry,
  };
}

/**
 * WeChat pattern-matches the authorize URL: the parameters must come in exactly this order and the
 * URL must end with `#wechat_redirect`, even when reached by a 302.
 */
export function buildAuthorizeUrl(authorizeBaseUrl: string, appId: string, params: AuthorizeUrlParams): string {
  const { redirectUri, scope, state, forcePopup = false, connectRedirect = true } = params;
  // RegExp#test stringifies its argument: without the typeof check a JavaScript caller's missing state
  // would be sent as the word "undefined" and a number as its digits.
  if (typeof state !== 'string' || !STATE_PATTERN.test(state)) {
    throw new WechatArgumentError('"state" must be 1-128 characters of [a-zA-Z0-9] (WeChat rejects anything else)');
  }
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
    throw new WechatArgumentError('"scope" must be "snsapi_base" or "snsapi_userinfo"');
  }
  if (typeof redirectUri !== 'string' || !/^https?:\/\//i.test(redirectUri)) {
    throw new WechatArgumentError('"redirectUri" must be an absolute http(s) URL');
  }
  let url =
    `${trimSlash(authorizeBaseUrl)}/connect/oauth2/authorize` +
    `?appid=${encodeURIComponent(appId)}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}` +
    `&response_type=code` +
    `&scope=${scope}` +
    `&state=${state}`;
  if (forcePopup) url += '&forcePopup=true';
  if (connectRedirect) url += '&connect_redirect=1';
  return `${url}#wechat_redirect`;
}

function toUnavailable(endpoint: WechatEndpoint, error: RequestError, secrets: string[]): WechatUnavailableError | WechatApiError {
  const httpStatus = error.response?.statusCode;
  // Keep got's error out of the chain: its `options.url` holds the secret. Keep a redacted summary instead.
  const summary = Object.assign(new Error(redact(error.message, secrets)), { code: error.code });
  if (error.code === BUSY_CODE) {
    // Still busy after the last retry: surface WeChat's own errcode -1 (with its rid); it is transient (503).
    const last = parseJson(String(error.response?.body ?? '')) as { errmsg?: unknown } | undefined;
    return new WechatApiError(endpoint, WECHAT_ERRCODES.SYSTEM_BUSY, redact(String(last?.errmsg ?? 'system busy'), secrets));
  }
  if (httpStatus !== undefined) {
    return new WechatUnavailableError(endpoint, 'http_status', { httpStatus, cause: summary, detail: `HTTP ${httpStatus}` });
  }
  if (error.name === 'TimeoutError' || error.code === 'ETIMEDOUT') {
    return new WechatUnavailableError(endpoint, 'timeout', { cause: summary, detail: redact(error.message, secrets) });
  }
  return new WechatUnavailableError(endpoint, 'network', { cause: summary, detail: error.code });
}

function backoffDelay(attemptCount: number, baseDelayMs: number, maxDelayMs: number): number {
  const exponential = Math.min(baseDelayMs * 2 ** (attemptCount - 1), maxDelayMs);
  return exponential + Math.random() * exponential * 0.5;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function parseErrcode(body: string): number | undefined {
  const parsed = parseJson(body) as { errcode?: unknown } | undefined;
  return typeof parsed?.errcode === 'number' ? parsed.errcode : undefined;
}

function requireString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new WechatArgumentError(`"${name}" must be a non-empty string of at most 512 characters`);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Validates and fills in every client option once (createWechatLogin resolves its own options with it). */
export const resolveApiClientOptions = resolveClientOptions;
export type ResolvedApiClientOptions = ResolvedClientOptions;
