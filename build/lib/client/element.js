import { checkOptions, login } from './login.js';
import { isWechatBrowser } from './user-agent.js';
/**
 * Builds the login element with fixed options, checked once here.
 *
 * @example
 * ```ts
 * import { createWechatLoginElement } from 'wechat-official-login/client';
 *
 * const element = createWechatLoginElement({ loginPath: '/auth/wechat/login' });
 * if (element.isWechatBrowser()) element.login('/account');
 * ```
 */
export function createWechatLoginElement(options = {}) {
    checkOptions(options);
    return {
        login: (url) => login(url, options),
        isWechatBrowser: () => isWechatBrowser(options.userAgent),
    };
}
//# sourceMappingURL=element.js.map