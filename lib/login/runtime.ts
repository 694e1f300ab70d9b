import type { ResolvedConfig } from '../config/config.js';
import type { WechatStore } from '../store/types.js';
import type { TokenManager } from '../tokens/token-manager.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { WechatApps } from '../wechat/apps.js';
import type { LoginCookie } from './login-cookie.js';
import type { LoginStateCookies } from './state-cookie.js';
import type { RoutePaths } from '../http/paths.js';
import type { Site } from '../http/site.js';

/**
 * The collaborators built once by createWechatLogin(). Each route and the guard take the part they use
 * (`Pick<WechatLoginRuntime, …>`), so a reader sees a route's dependencies in its signature.
 */
export interface WechatLoginRuntime {
  config: ResolvedConfig;
  store: WechatStore;
  /** The Official Account's client (`apps.official.api`). */
  api: WechatApiClient;
  /** Every app a login can come through, each with its client: the Official Account, and the website app if configured. */
  apps: WechatApps;
  tokens: TokenManager;
  paths: RoutePaths;
  site: Site;
  loginCookie: LoginCookie;
  /** One sealed cookie per started login: the state, carried by the browser instead of the store. */
  stateCookies: LoginStateCookies;
}
