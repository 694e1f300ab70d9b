import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { Express } from 'express';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from './login-app.js';

export interface LoginSuite {
  world: LoginWorld;
  wechat: WechatLogin;
  app: Express;
}

/**
 * One suite's fixtures: a world, one createWechatLogin() and its app, started once, with the emulator's
 * faults and counters reset after each test. `assign` receives them (tests keep plain variables).
 */
export function useLoginSuite(
  assign: (suite: LoginSuite) => void,
  { options, routes }: { options?: Partial<WechatLoginOptions>; routes?: (app: Express) => void } = {},
): void {
  let suite: LoginSuite | undefined;
  beforeAll(async () => {
    const world = await startWorld();
    const wechat = createWechatLogin(loginOptions(world, options), { warn: () => undefined });
    suite = { world, wechat, app: buildApp(wechat, routes) };
    assign(suite);
  });
  afterEach(() => {
    suite?.world.emulator.clearFaults();
    suite?.world.emulator.resetCalls();
  });
  afterAll(async () => {
    await suite?.wechat.close();
    await suite?.world.stop();
  });
}
