import type { RequestHandler } from 'express';
import { clientAddressKey } from '../http/client-address.js';
import { hashBinder } from './login-state.js';
import { rateLimit } from '../http/rate-limit.js';
import type { WechatLoginRuntime } from './runtime.js';

/**
 * What a started login may cost before it is refused with 429, in the order they are counted: the client's
 * address (a flooder can drop the login cookie, not its address), then the browser's binder (a browser that
 * keeps its cookie holds at most `openLoginsPerBrowser` states: every state lives `loginTimeoutMs`, and only
 * that many may start within it). Nothing is written for a refused login. Empty with `rateLimit: false`.
 */
export function loginLimits({ config, store, loginCookie }: Pick<WechatLoginRuntime, 'config' | 'store' | 'loginCookie'>): RequestHandler[] {
  if (!config.rateLimit) return [];
  const deps = { store, clock: config.clock, pages: config.pages };
  return [
    rateLimit(deps, { name: 'login-ip', limit: config.rateLimit.loginsPerMinutePerIp, windowMs: 60_000, key: (req) => clientAddressKey(req.ip) }),
    rateLimit(deps, {
      name: 'login-browser',
      // A browser's first login comes without the cookie (it is set then) and is not counted: no key is written
      // for each cookie-less request of a flooder. The cookie lives as long as a state, so the logins counted
      // while it is held, plus that first one, are every state the browser can have open.
      limit: config.rateLimit.openLoginsPerBrowser - 1,
      windowMs: Math.ceil(config.loginTimeoutMs),
      key: (req) => {
        const binder = loginCookie.read(req);
        return binder === undefined ? undefined : hashBinder(binder);
      },
    }),
  ];
}
