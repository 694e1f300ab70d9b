function currentUserAgent() {
    // typeof guards keep this safe in Node and workers; it runs per call, never at import time.
    return typeof navigator !== 'undefined' && typeof navigator.userAgent === 'string' ? navigator.userAgent : '';
}
function wechatIn(ua) {
    return !/wxwork/i.test(ua) && /MicroMessenger/i.test(ua);
}
function inMiniProgramBridge() {
    // Set by the WeChat JS bridge inside a mini-program web-view (on some versions only after WeixinJSBridgeReady).
    return globalThis.__wxjs_environment === 'miniprogram';
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
export function detectWechatEnvironment(userAgent) {
    const ua = userAgent ?? currentUserAgent();
    const isWeCom = /wxwork/i.test(ua);
    const isWechat = wechatIn(ua);
    const version = isWechat ? /MicroMessenger\/(\d+(?:\.\d+)*)/i.exec(ua)?.[1] : undefined;
    const env = {
        isWechat,
        isWeCom,
        // `MiniProgramEnv/Windows` is how WeChat for Windows marks its mini-program runtime (verify).
        isMiniProgram: isWechat && (/miniProgram/i.test(ua) || (userAgent === undefined && inMiniProgramBridge())),
        isDevTools: /wechatdevtools/i.test(ua),
        isWindowsWechat: isWechat && /WindowsWechat/i.test(ua),
        isMacWechat: isWechat && /MacWechat/i.test(ua),
        isMobile: /Mobile|Android|iPhone|iPad|iPod/i.test(ua),
    };
    if (version)
        env.wechatVersion = version;
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
export function isWechatBrowser(userAgent) {
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
export function isWeCom(userAgent) {
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
export function isMiniProgram(userAgent) {
    return detectWechatEnvironment(userAgent).isMiniProgram;
}
//# sourceMappingURL=user-agent.js.map