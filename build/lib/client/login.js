import { isWechatBrowser } from './user-agent.js';
const DEFAULT_LOGIN_PATH = '/auth/wechat/login';
function withQuery(path, name, value) {
    if (value === undefined)
        return path;
    return `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}
/** @internal Checks option types once, naming the option; shared with {@link createWechatLoginElement}. */
export function checkOptions(options) {
    for (const key of ['loginPath', 'qrPath', 'userAgent']) {
        if (options[key] !== undefined && typeof options[key] !== 'string')
            throw new TypeError(`"${key}" must be a string`);
    }
    for (const key of ['navigate', 'onNotWechat']) {
        if (options[key] !== undefined && typeof options[key] !== 'function')
            throw new TypeError(`"${key}" must be a function`);
    }
}
function currentLocation(options) {
    return options.location ?? (typeof location !== 'undefined' ? location : undefined);
}
/**
 * The URL that starts the server-side login and comes back to `redirectUrl`:
 * `${loginPath}?returnTo=<encoded redirectUrl>`. The server validates `returnTo`; the client only encodes it.
 *
 * @example
 * ```ts
 * import { buildLoginUrl } from 'wechat-official-login/client';
 *
 * buildLoginUrl('/orders?id=1');               // '/auth/wechat/login?returnTo=%2Forders%3Fid%3D1'
 * buildLoginUrl(undefined, '/api/wechat/login'); // '/api/wechat/login' (the server picks the return target)
 * ```
 */
export function buildLoginUrl(redirectUrl, loginPath = DEFAULT_LOGIN_PATH) {
    return withQuery(loginPath, 'returnTo', redirectUrl);
}
/**
 * The server's "open in WeChat" page showing a QR code of `url`: `${qrPath}?url=<encoded url>`.
 *
 * @example
 * ```ts
 * import { buildQrPageUrl } from 'wechat-official-login/client';
 *
 * buildQrPageUrl('https://shop.example.com/cart'); // '/auth/wechat/qr?url=https%3A%2F%2Fshop.example.com%2Fcart'
 * ```
 */
export function buildQrPageUrl(url, options = {}) {
    const qrPath = options.qrPath ?? (options.loginPath ?? DEFAULT_LOGIN_PATH).replace(/[^/?]*(\?.*)?$/, 'qr');
    return withQuery(qrPath, 'url', url);
}
/**
 * The frontend entry point: start the server-side WeChat login with `redirectUrl` (default: the current
 * page) as the return target.
 *
 * Inside WeChat it navigates to `${loginPath}?returnTo=<encoded redirectUrl>`. Outside WeChat the login
 * could not finish, so it starts nothing: it calls `onNotWechat` if given, otherwise navigates to the
 * server's QR page asking the user to open `redirectUrl` in WeChat.
 *
 * @example
 * ```ts
 * import { login } from 'wechat-official-login/client';
 *
 * loginButton.addEventListener('click', () => {
 *   const result = login(location.href, {
 *     onNotWechat: ({ url }) => showQrCode(url), // your own "scan with WeChat" dialog
 *   });
 *   if (!result.started) console.log('not in WeChat:', result.reason);
 * });
 * ```
 */
export function login(redirectUrl, options = {}) {
    checkOptions(options);
    const here = currentLocation(options);
    const target = redirectUrl ?? here?.href;
    const go = (url) => {
        if (options.navigate)
            return options.navigate(url);
        if (!here)
            throw new TypeError('"navigate" is required where there is no "location" (outside a browser)');
        here.assign(url);
    };
    if (isWechatBrowser(options.userAgent)) {
        const url = buildLoginUrl(target, options.loginPath);
        go(url);
        return { started: true, url };
    }
    const url = target ?? '';
    const qrPageUrl = buildQrPageUrl(url, options);
    if (options.onNotWechat)
        options.onNotWechat({ url, qrPageUrl });
    else
        go(qrPageUrl);
    return { started: false, reason: 'not_wechat', qrPageUrl, url };
}
//# sourceMappingURL=login.js.map