import type { RequestHandler, ErrorRequestHandler, Router } from 'express';
import { createWechatApiClient } from './wechat/api-client.js';
import { createWechatApps } from './wechat/apps.js';
import { DEFAULTS, resolveConfig, type ResolvedConfig, type WechatLoginOptions } from './config/config.js';
import { createErrorHandler, createGuard, type RequireWechatUserOptions } from './guard.js';
import { createLoginCookie } from './login/login-cookie.js';
import { createLoginStateCookies } from './login/state-cookie.js';
import { OPEN_LOGINS_WITHOUT_LIMITS } from './config/rate-limit-options.js';
import { createRoutePaths } from './http/paths.js';
import { createRouter } from './router.js';
import { createSessionMiddleware } from './session/session.js';
import { WechatSessionStore } from './session/session-store.js';
import { storeUnavailable } from './store/store-error.js';
import { createSite } from './http/site.js';
import { createWechatService, type WechatService } from './wechat/service.js';
import { createKeys } from './store/keys.js';
import { connectRedis, type RedisClient } from './store/redis-client.js';
import { createRedisStore } from './storage/redis-store.js';
import type { WechatStore } from './store/types.js';
import { createWechatUsers, type WechatUsers } from './users/user-grants.js';
import { createTokenManager, type TokenManager } from './tokens/token-manager.js';
import { createPlatform, PLATFORM_UNSUPPORTED, type WechatPlatform } from './platform/platform.js';
import { createPlatformApi } from './platform/platform-api.js';

export interface WechatLogin {
  /** Mount with app.use(): session middleware, req.wechat, and the login / callback / logout / qr routes. */
  router: Router;
  /** The route guard. */
  requireWechatUser(options?: RequireWechatUserOptions): RequestHandler;
  /** Mount after your routes: re-authorization and 503s for errors from req.wechat. */
  errorHandler(): ErrorRequestHandler;
  /** The typed WeChat service (seed names: getAccessToken(code), getUserInfo(code), refreshToken(rt)). */
  service: WechatService;
  /** The stored users (WechatPublicAuthModel), and `signOutEverywhere(openid)`. */
  users: WechatUsers;
  /** Grants and refresh, for code outside a request. */
  tokens: TokenManager;
  /** The Official Account's own access token and jsapi_ticket, shared by every process (see docs/jssdk.md). */
  platform: WechatPlatform;
  store: WechatStore;
  /** Disconnects what we created (a Redis client from a URL, a Cluster from seed nodes). */
  close(): Promise<void>;
}

export interface CreateWechatLoginDependencies {
  /** Where configuration warnings go. Default console.warn. */
  warn?: (message: string) => void;
}

/**
 * Builds everything from options validated once.
 *
 * @example
 * const wechat = createWechatLogin({
 *   appId: process.env.WECHAT_APP_ID!, appSecret: process.env.WECHAT_APP_SECRET!,
 *   redis: process.env.REDIS_URL!, session: { secret: process.env.SESSION_SECRET! },
 *   publicUrl: 'https://example.com',
 * });
 * app.use(wechat.router);
 * app.get('/profile', wechat.requireWechatUser(), (req, res) => res.json(req.wechat.user));
 * app.use(wechat.errorHandler());
 */
export function createWechatLogin(options: WechatLoginOptions, deps: CreateWechatLoginDependencies = {}): WechatLogin {
  const warn = deps.warn ?? ((message: string) => console.warn(`wechat-official-login: ${message}`));
  const config = resolveConfig(options, warn);

  // A URL or seed nodes: we connect (a Cluster with failover-ready options) and close() disconnects.
  const ownsRedis = typeof config.redis === 'string' || Array.isArray(config.redis);
  const redis = typeof config.redis === 'string' || Array.isArray(config.redis) ? connectRedis(config.redis) : config.redis;
  const store =
    config.store ??
    createRedisStore({
      redis: redis!,
      appId: config.appId,
      keyPrefix: config.keyPrefix,
      ownsClient: ownsRedis,
      tokenEncryptionKey: config.tokenSealingKeys,
    });
  if (store.kind === 'memory') {
    const sessions = config.session && !config.session.store && !redis ? " and sessions are kept in express-session's MemoryStore" : '';
    warn(`using an in-memory store${sessions}: logins are lost on restart and not shared between processes. Not for production.`);
  }

  const api = createWechatApiClient(config.api);
  const website = config.websiteApp && { kind: 'website' as const, appId: config.websiteApp.appId, api: createWechatApiClient(config.websiteApp.api) };
  const apps = createWechatApps({ kind: 'official', appId: config.appId, api }, website);
  const service = createWechatService({ ...config.api, lang: config.lang });
  const lockTtlMs = refreshLockTtlMs(config.api);
  const tokens = createTokenManager({
    store,
    api,
    otherApps: new Map(website ? [[website.appId, website.api]] : []),
    clock: config.clock,
    skewMs: config.tokenRefreshSkewMs,
    lockTtlMs,
    waitTimeoutMs: lockTtlMs + 1_000,
  });

  const paths = createRoutePaths(config.prefix, config.scope);
  const site = createSite(config.publicUrl, config.allowedReturnHosts);
  const loginCookieName = `${config.session ? config.session.name : DEFAULTS.sessionName}.login`;
  const loginCookie = createLoginCookie({
    name: loginCookieName,
    path: paths.mount,
    maxAgeMs: config.loginTimeoutMs,
    site,
    secret: config.appSecret,
  });
  const stateCookies = createLoginStateCookies({
    name: loginCookieName,
    path: paths.mount,
    maxAgeMs: config.loginTimeoutMs,
    maxPerBrowser: config.rateLimit ? config.rateLimit.openLoginsPerBrowser : OPEN_LOGINS_WITHOUT_LIMITS,
    site,
    // The session secret (all of a rotation list: cookies sealed before still open); the app secret when the app
    // brings its own session.
    secrets: config.session ? [config.session.secret].flat() : [config.appSecret],
  });
  const runtime = { config, store, api, apps, tokens, paths, site, loginCookie, stateCookies };
  const platform = store.platform
    ? createPlatform({
        store: store.platform,
        api: createPlatformApi(config.api),
        clock: config.clock,
        refreshAheadMs: config.platform.refreshAheadMs,
        callBudgetMs: lockTtlMs,
      })
    : undefined;
  if (!platform && config.platform.jssdkRoute) warn('this store has no platform storage: wechat.platform and GET {prefix}/jssdk-config are off.');

  return {
    router: createRouter(runtime, sessionMiddleware(config, redis), config.platform.jssdkRoute ? platform : undefined),
    requireWechatUser: createGuard(runtime),
    errorHandler: createErrorHandler(runtime),
    service,
    users: createWechatUsers(store, config.clock, apps.appIds),
    tokens,
    platform: platform ?? PLATFORM_UNSUPPORTED,
    store,
    close: () => store.close(),
  };
}

/** The lock must outlive one refresh call with all its retries, or two processes could refresh at once. */
function refreshLockTtlMs({ timeoutMs, retry }: ResolvedConfig['api']): number {
  return timeoutMs * (retry.limit + 1) + retry.maxDelayMs * retry.limit * 1.5 + 1_000;
}

/** Sessions go to the app's `session.store`, else connect-redis on `redis`, else (memory demo) MemoryStore. */
function sessionMiddleware(config: ResolvedConfig, redis: RedisClient | undefined): RequestHandler | undefined {
  if (!config.session) return undefined;
  const { session } = config;
  const store =
    session.store ??
    (redis
      ? new WechatSessionStore({
          redis,
          keys: createKeys(config.keyPrefix, config.appId),
          ttlMs: session.cookie.maxAge ?? session.ttlSeconds * 1000,
          wrapError: storeUnavailable,
        })
      : undefined);
  return createSessionMiddleware(session, store);
}
