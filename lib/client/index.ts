export {
  detectWechatEnvironment,
  isWechatBrowser,
  isWeCom,
  isMiniProgram,
  type WechatEnvironment,
} from './user-agent.js';
export {
  login,
  buildLoginUrl,
  buildQrPageUrl,
  type LoginOptions,
  type LoginResult,
  type LocationLike,
} from './login.js';
export { createWechatLoginElement, type WechatLoginElement } from './element.js';
export { configureJsSdk, JsSdkError, type ConfigureJsSdkOptions, type JsSdkErrorCode, type JweixinLike } from './jssdk.js';
