import { WechatConfigError } from '../errors.js';

export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_AUTHORIZE_BASE_URL = 'https://open.weixin.qq.com';
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY = { limit: 2, baseDelayMs: 100, maxDelayMs: 1_000 } as const;

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

/** Every client option, checked and defaulted. */
export interface ResolvedApiClientOptions {
  appId: string;
  appSecret: string;
  apiBaseUrl: string;
  authorizeBaseUrl: string;
  timeoutMs: number;
  retry: Required<RetryOptions>;
}

/**
 * Checked once, here (createWechatLogin resolves its options with it too): a retry limit left `undefined` must mean the default, never "retry forever" or "never". */
export function resolveApiClientOptions(options: WechatApiClientOptions): ResolvedApiClientOptions {
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

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

