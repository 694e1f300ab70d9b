import type { WechatScope } from '../wechat/types.js';

/** Our route URLs, built once from the resolved prefix ('' for the root, never a trailing slash). */
export interface RoutePaths {
  /** Where the routes are mounted: the prefix, or '/' for the root. */
  readonly mount: string;
  readonly login: string;
  readonly callback: string;
  readonly logout: string;
  readonly qr: string;
  /** `{login}?returnTo=&scope=&retry=1`, leaving out what is the default. */
  loginUrl(params: { returnTo?: string; scope?: WechatScope; retry?: boolean }): string;
}

/** The routes' paths below the prefix (where the router mounts them). */
export const ROUTES = { login: '/login', callback: '/callback', logout: '/logout', qr: '/qr' } as const;

export function createRoutePaths(prefix: string, defaultScope: WechatScope): RoutePaths {
  const login = `${prefix}${ROUTES.login}`;
  return {
    mount: prefix || '/',
    login,
    callback: `${prefix}${ROUTES.callback}`,
    logout: `${prefix}${ROUTES.logout}`,
    qr: `${prefix}${ROUTES.qr}`,
    loginUrl({ returnTo, scope, retry }) {
      const query = new URLSearchParams();
      if (returnTo) query.set('returnTo', returnTo);
      if (scope && scope !== defaultScope) query.set('scope', scope);
      if (retry) query.set('retry', '1');
      const text = query.toString();
      return text ? `${login}?${text}` : login;
    },
  };
}
