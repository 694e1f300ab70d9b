import { isWechatBrowser } from './user-agent.js';

/** The part of WeChat's `jweixin` script (`wx`) this needs; the page loads the script itself. */
export interface JweixinLike {
  config(config: Record<string, unknown>): void;
  ready(callback: () => void): void;
  error(callback: (error: { errMsg?: string }) => void): void;
}

export interface ConfigureJsSdkOptions {
  /** The JS-SDK APIs the page will call, e.g. ['updateAppMessageShareData', 'scanQRCode']. */
  jsApiList?: string[];
  /** Open tags the page uses, e.g. ['wx-open-launch-weapp']. */
  openTagList?: string[];
  /** WeChat's debug mode (an alert for every call). Default false. */
  debug?: boolean;
  /** The server's config route. Default '/auth/wechat/jssdk-config'. */
  configPath?: string;
  /** The page's URL to sign. Default `location.href` (on iOS, a single-page app signs the URL it was entered with). */
  url?: string;
  /** The visitor saw WeChat's snapshot page (the server's is_snapshotuser): the JS-SDK does not run there. */
  snapshotUser?: boolean;
  /** Give up waiting for wx.ready / wx.error after this long, ms. Default 10000. */
  timeoutMs?: number;
  /** Default `globalThis.wx`; `navigator.userAgent` and `fetch` likewise. */
  wx?: JweixinLike;
  userAgent?: string;
  fetch?: (url: string, init: { credentials: 'same-origin'; headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
}

export type JsSdkErrorCode = 'not_wechat' | 'snapshot_user' | 'no_jweixin' | 'config_unavailable' | 'config_failed' | 'timeout';

/** Why configureJsSdk() rejected: match on `code`. */
export class JsSdkError extends Error {
  readonly code: JsSdkErrorCode;
  constructor(code: JsSdkErrorCode, message: string) {
    super(message);
    this.name = 'JsSdkError';
    this.code = code;
  }
}

const MESSAGES: Record<Exclude<JsSdkErrorCode, 'config_failed'>, string> = {
  not_wechat: 'the WeChat JS-SDK works only inside WeChat',
  snapshot_user: "WeChat's snapshot page runs with the JS-SDK disabled: the visitor must tap 使用完整服务 first",
  no_jweixin: "WeChat's jweixin script is not on the page: load https://res.wx.qq.com/open/js/jweixin-1.6.0.js first",
  config_unavailable: 'the server could not sign this page',
  timeout: 'wx.config did not answer in time',
};

/**
 * Signs this page with the server's `{prefix}/jssdk-config` route and calls `wx.config`; resolves with `wx` when
 * `wx.ready` fires, rejects with a JsSdkError on `wx.error`, outside WeChat, or for a snapshot-page visitor.
 *
 * @example
 * ```ts
 * // <script src="https://res.wx.qq.com/open/js/jweixin-1.6.0.js"></script> is on the page
 * import { configureJsSdk } from 'wechat-official-login/client';
 * const wx = await configureJsSdk({ jsApiList: ['updateAppMessageShareData'] });
 * ```
 */
export async function configureJsSdk(options: ConfigureJsSdkOptions = {}): Promise<JweixinLike> {
  const g = globalThis as { wx?: JweixinLike; navigator?: { userAgent?: string }; location?: { href: string }; fetch?: ConfigureJsSdkOptions['fetch'] };
  const fail = (code: Exclude<JsSdkErrorCode, 'config_failed'>) => Promise.reject(new JsSdkError(code, MESSAGES[code]));
  if (options.snapshotUser) return fail('snapshot_user');
  if (!isWechatBrowser(options.userAgent ?? g.navigator?.userAgent ?? '')) return fail('not_wechat');
  const wx = options.wx ?? g.wx;
  if (!wx || typeof wx.config !== 'function') return fail('no_jweixin');
  const url = (options.url ?? g.location?.href ?? '').split('#')[0]!;
  const path = options.configPath ?? '/auth/wechat/jssdk-config';
  const get = options.fetch ?? g.fetch!;
  let signed: Record<string, unknown>;
  try {
    const res = await get(`${path}${path.includes('?') ? '&' : '?'}url=${encodeURIComponent(url)}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    signed = (await res.json()) as Record<string, unknown>;
  } catch {
    return fail('config_unavailable');
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new JsSdkError('timeout', MESSAGES.timeout)), options.timeoutMs ?? 10_000);
    wx.ready(() => {
      clearTimeout(timer);
      resolve(wx);
    });
    wx.error((error) => {
      clearTimeout(timer);
      reject(new JsSdkError('config_failed', `wx.config failed: ${error?.errMsg ?? 'unknown error'}`));
    });
    wx.config({
      debug: options.debug === true,
      appId: signed.appId,
      timestamp: signed.timestamp,
      nonceStr: signed.nonceStr,
      signature: signed.signature,
      jsApiList: options.jsApiList ?? [],
      openTagList: options.openTagList ?? [],
    });
  });
}
