export { startWechatEmulator, AUTHORIZE_PATH, QRCONNECT_PATH, JWEIXIN_PATH, type WechatEmulator } from './emulator.js';
export type { WechatEmulatorOptions } from './emulator-options.js';
export { DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_WEBSITE_APP, DEFAULT_EMULATOR_USERS, type EmulatorApp, type EmulatorUser } from './fixtures.js';
export type { EmulatorEndpoint, EmulatorFault, FaultOptions } from './faults.js';
export { AuthorizePageError } from './authorize-request.js';
export { USER_HEADER, CONSENT_HEADER, USER_COOKIE } from './authorize-routes.js';
export { createTestClock, type TestClock, type Clock } from '../clock.js';
