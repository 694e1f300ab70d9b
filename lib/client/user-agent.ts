/**
 * What the User-Agent (and, for the current page, the mini-program bridge) says about where the page runs.
 * Every flag is computed from one string, so the same table of User-Agents can be checked in Node and in a
 * real browser.
 */
export interface WechatEnvironment {
  /** WeChat's in-app browser, including the mini-program web-view and WeChat DevTools; never WeCom. */
  isWechat: boolean;
  /** WeCom (enterprise WeChat, `wxwork`): it also says `MicroMessenger`, but an Official Account login does not belong there. */
  isWeCom: boolean;
  /** A mini-program web-view: `miniProgram` in the UA, or `window.__wxjs_environment === 'miniprogram'` for the current page. */
  isMiniProgram: boolean;
  /** WeChat DevTools (`wechatdevtools`). */
  isDevTools: boolean;
  /** WeChat for Windows (`WindowsWechat`); false for WeCom on Windows. */
  isWindowsWechat: boolean;
  /** WeChat for macOS (`MacWechat`). */
  isMacWechat: boolean;
  /** A phone or tablet (iPhone, iPad, iPod, Android or a `Mobile` token). */
  isMobile: boolean;
  /** WeChat's version, e.g. `'8.0.47.2560'` from `MicroMessenger/8.0.47.2560(0x28002F30)`; absent outside WeChat (WeCom's token is a compatibility marker, not a WeChat version). */
  wechatVersion?: string;
}

function currentUserAgent(): string {
  // typeof guards keep this safe in Node and workers; it runs per call, never at import time.
  return typeof navigator !== 'undefined' && typeof navigator.userAgent === 'string' ? navigator.userAgent : '';
}

function wechatIn(ua: string): boolean {
  return !/wxwork/i.test(ua) && /MicroMessenger/i.test(ua);
}

function inMiniProgramBridge(): boolean {
  // Set by the WeChat JS bridge inside a mini-program web-view (on some versions only after WeixinJSBridgeReady).
  return (globalThis as { __wxjs_environment?: unknown }).__wxjs_environment === 'miniprogram';
}

/**
 * Describes the WeChat environment a User-Agent belongs to.
 *
 * With no argument it reads `navigator.userAgent` (or `''` where there is none) and also trusts
 * `window.__wxjs_environment` for `isMiniProgram`; with an explicit string the answer depends on that string only.
 *
 * @example
 * ```ts
 * import { detectWechatEnvironment } from 'wechat-official-login/client';
 *
 * const env = detectWechatEnvironment();
 * if (env.isWeCom) showMessage('Please open this page in WeChat, not WeCom.');
 * else if (env.isWechat) console.log('WeChat', env.wechatVersion);
 * ```
 */
export function detectWechatEnvironment(userAgent?: string): WechatEnvironment {
  const ua = userAgent ?? currentUserAgent();
  const isWeCom = /wxwork/i.test(ua);
  const isWechat = wechatIn(ua);
  const version = isWechat ? /MicroMessenger\/(\d+(?:\.\d+)*)/i.exec(ua)?.[1] : undefined;
  const env: WechatEnvironment = {
    isWechat,
    isWeCom,
    // `MiniProgramEnv/Windows` is how WeChat for Windows marks its mini-program runtime (verify).
    isMiniProgram: isWechat && (/miniProgram/i.test(ua) || (userAgent === undefined && inMiniProgramBridge())),
    isDevTools: /wechatdevtools/i.test(ua),
    isWindowsWechat: isWechat && /WindowsWechat/i.test(ua),
    isMacWechat: isWechat && /MacWechat/i.test(ua),
    isMobile: /Mobile|Android|iPhone|iPad|iPod/i.test(ua),
  };
  if (version) env.wechatVersion = version;
  return env;
}

/**
 * True in WeChat's in-app browser (`MicroMessenger`), false in WeCom (`wxwork`) and everywhere else.
 * This is the browser in which an Official Account login can finish.
 *
 * @example
 * ```ts
 * import { isWechatBrowser } from 'wechat-official-login/client';
 *
 * loginButton.hidden = !isWechatBrowser();
 * isWechatBrowser('Mozilla/5.0 ... MicroMessenger/8.0.47(0x1800092c) NetType/WIFI'); // true
 * ```
 */
export function isWechatBrowser(userAgent?: string): boolean {
  return wechatIn(userAgent ?? currentUserAgent());
}

/**
 * True in WeCom (enterprise WeChat, `wxwork` in the User-Agent).
 *
 * @example
 * ```ts
 * import { isWeCom } from 'wechat-official-login/client';
 *
 * if (isWeCom()) showMessage('Open this page in WeChat to log in.');
 * ```
 */
export function isWeCom(userAgent?: string): boolean {
  return /wxwork/i.test(userAgent ?? currentUserAgent());
}

/**
 * True in a WeChat mini-program web-view.
 *
 * @example
 * ```ts
 * import { isMiniProgram } from 'wechat-official-login/client';
 *
 * // A web-view page cannot use the Official Account login; hand over to the mini-program instead.
 * if (isMiniProgram()) wx.miniProgram.navigateTo({ url: '/pages/login/login' });
 * ```
 */
export function isMiniProgram(userAgent?: string): boolean {
  return detectWechatEnvironment(userAgent).isMiniProgram;
}
