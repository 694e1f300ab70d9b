export { startWechatEmulator } from './emulator.js';
export { DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_USERS } from './fixtures.js';
export { AuthorizePageError } from './authorize-request.js';
export { USER_HEADER, CONSENT_HEADER, USER_COOKIE } from './authorize-routes.js';
export { createTestClock } from '../clock.js';
//# sourceMappingURL=index.js.map