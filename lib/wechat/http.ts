import got, { type Got } from 'got';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES } from '../errors.js';
import type { ResolvedApiClientOptions } from './client-options.js';
import { BUSY_CODE, parseErrcode } from './response.js';

const log = logger('api');

/** Failures where the request never left this machine: safe to retry even for a single-use code. */
const NOT_SENT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];
const MAYBE_SENT_CODES = ['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_GOT_REQUEST_ERROR'];

/**
 * The got instances for WeChat's API: timeouts per attempt, retries with jittered backoff for -1 busy, 5xx and
 * connection errors — and, for the single-use code exchange, only for failures that never reached WeChat.
 */
export function createWechatHttp({ apiBaseUrl, timeoutMs, retry }: ResolvedApiClientOptions): { http: Got; codeHttp: Got } {
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

  return { http, codeHttp };
}

function backoffDelay(attemptCount: number, baseDelayMs: number, maxDelayMs: number): number {
  const exponential = Math.min(baseDelayMs * 2 ** (attemptCount - 1), maxDelayMs);
  return exponential + Math.random() * exponential * 0.5;
}

