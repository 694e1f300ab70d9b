import { checkOptions, login, type LoginOptions, type LoginResult } from './login.js';
import { isWechatBrowser } from './user-agent.js';

/** The element-style object that code written against `app.getElement('auths.loginTypes.MyWechatLogin')` expects. */
export interface WechatLoginElement {
  /** Starts the login returning to `url` (default: the current page); see {@link login}. */
  login(url?: string): LoginResult;
  /** True in WeChat's in-app browser, for the configured `userAgent` or the current one. */
  isWechatBrowser(): boolean;
}

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
export function createWechatLoginElement(options: LoginOptions = {}): WechatLoginElement {
  checkOptions(options);
  return {
    login: (url?: string) => login(url, options),
    isWechatBrowser: () => isWechatBrowser(options.userAgent),
  };
}
