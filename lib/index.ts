export { createWechatLogin, type WechatLogin, type CreateWechatLoginDependencies } from './create-wechat-login.js';
export type { WechatLoginOptions, WechatSessionOptions, SnapshotUserInfo, ScanLoginOptions, ScanDesktopInfo, RateLimitOptions, PlatformOptions } from './config/config.js';
export { signJsSdk, type JsSdkSignInput } from './platform/sign.js';
export type { WechatPlatform, GetAccessTokenOptions } from './platform/platform.js';
export type { JsSdkConfig } from './platform/jssdk-route.js';
export { DEFAULTS } from './config/config.js';
export type { PagesOptions, WechatPage, WechatPageKind, WechatPageData, ResolvedBranding } from './config/pages-options.js';
export { BUILT_IN_PAGE_STRINGS, PAGE_LOCALES, type PageLocale, type PageStrings, type PageStringKey } from './config/page-strings.js';
export type { RequireWechatUserOptions } from './guard.js';
export { WechatRequestContext, type GetTokenOptions } from './session/context.js';
export type { WechatSessionData } from './session/session.js';
export {
  createWechatApiClient,
  buildAuthorizeUrl,
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTHORIZE_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  type WechatApiClient,
  type WechatApiClientOptions,
  type AuthorizeUrlParams,
  type RetryOptions,
} from './wechat/api-client.js';
export { createWechatService, type WechatService, type WechatServiceOptions } from './wechat/service.js';
export * from './errors.js';
export { ReauthorizationRequiredError, REFRESH_TOKEN_LIFETIME_MS, type TokenManager, type GetValidGrantOptions } from './tokens/token-manager.js';
export { toPublicUser, type WechatPublicAuthModel, type WechatPublicUser } from './store/user-model.js';
export type * from './wechat/types.js';
export { createRedisStore, type RedisStoreOptions } from './storage/redis-store.js';
export { CLUSTER_OPTIONS, REDIS_OPTIONS, failFastWhileDisconnected, type RedisClient, type RedisClusterNodes } from './store/redis-client.js';
export { createMemoryStore, type MemoryStoreOptions } from './storage/memory-store.js';
export { TokenUnreadableError, type TokenUnreadableReason } from './store/token-cipher.js';
export { MAX_GRANTS_PER_USER, type WechatUsers } from './users/user-grants.js';
export type { PlatformStore, PlatformCredential, PlatformCredentialKind, ForceRefreshQuota } from './store/platform-types.js';
export type { WechatStore, UserRepository, UpdateTokensOptions, GrantStore, GrantRecord, SessionLogin, WechatLoginTypes, WechatAccount } from './store/types.js';
export { loadWechatLoginElement, WechatElementConfigError, WECHAT_ELEMENT_TYPE, type WechatElementOptions, type LoadElementOptions } from './config/element-config.js';
export { safeReturnTo } from './http/return-to.js';
export { systemClock, createTestClock, type Clock, type TestClock } from './clock.js';
