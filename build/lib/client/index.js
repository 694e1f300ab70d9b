export { detectWechatEnvironment, isWechatBrowser, isWeCom, isMiniProgram, } from './user-agent.js';
export { login, buildLoginUrl, buildQrPageUrl, } from './login.js';
export { createWechatLoginElement } from './element.js';
//# sourceMappingURL=index.js.map