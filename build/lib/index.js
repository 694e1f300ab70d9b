export { createWechatLogin } from './create-wechat-login.js';
export { DEFAULTS } from './config.js';
export { WechatRequestContext } from './context.js';
export { createWechatApiClient, buildAuthorizeUrl, DEFAULT_API_BASE_URL, DEFAULT_AUTHORIZE_BASE_URL, DEFAULT_TIMEOUT_MS, } from './api-client.js';
export { createWechatService } from './service.js';
export * from './errors.js';
export { ReauthorizationRequiredError, REFRESH_TOKEN_LIFETIME_MS } from './tokens.js';
export { toPublicUser } from './user-model.js';
export { createRedisStore } from './store/redis-store.js';
export { createMemoryStore } from './store/memory-store.js';
export { loadWechatLoginElement, WechatElementConfigError, WECHAT_ELEMENT_TYPE } from './element-config.js';
export { safeReturnTo } from './return-to.js';
export { systemClock, createTestClock } from './clock.js';
//# sourceMappingURL=index.js.map