import type { Got, RequestError } from 'got';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES, WechatApiError, WechatUnavailableError, type WechatEndpoint } from '../errors.js';
import { redact } from '../redact.js';

const log = logger('api');

/** A marker error thrown inside got's hook so that got's own retry machinery retries `-1 system busy`. */
export const BUSY_CODE = 'EWECHATBUSY';

/**
 * One GET to WeChat, its answer parsed as JSON whatever the content type, `errcode !== 0` as WechatApiError,
 * everything else that is not WeChat's JSON as WechatUnavailableError. `secrets` are blanked from every text.
 */
export async function callWechat<T>(
  client: Got,
  endpoint: WechatEndpoint,
  path: string,
  searchParams: Record<string, string>,
  secrets: string[],
): Promise<T> {
  return sendToWechat<T>(endpoint, () => client.get(path, { searchParams, context: { endpoint } }).text(), secrets);
}

/** As callWechat, for any request (the app token's POST with a JSON body): `send` resolves to the answer's text. */
export async function sendToWechat<T>(endpoint: WechatEndpoint, send: () => Promise<string>, secrets: string[]): Promise<T> {
  const started = Date.now();
  let body: string;
  try {
    body = await send();
  } catch (error) {
    const failure = toUnavailable(endpoint, error as RequestError, secrets);
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
    const errmsg = redact(String(record.errmsg ?? ''), secrets);
    log('%s errcode %d (%s) after %dms', endpoint, record.errcode, errmsg, Date.now() - started);
    throw new WechatApiError(endpoint, record.errcode, errmsg);
  }
  log('%s ok after %dms', endpoint, Date.now() - started);
  return record as T;
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

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function parseErrcode(body: string): number | undefined {
  const parsed = parseJson(body) as { errcode?: unknown } | undefined;
  return typeof parsed?.errcode === 'number' ? parsed.errcode : undefined;
}

