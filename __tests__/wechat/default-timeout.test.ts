import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DEFAULT_TIMEOUT_MS, createWechatApiClient } from '../../lib/wechat/api-client.js';
import { startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { rejectionOf } from './api-helpers.js';

// Its own file: it waits the real 5 s, and jest runs files in parallel, so the rest of the suite is not held up.
let emulator: WechatEmulator;
beforeAll(async () => {
  emulator = await startWechatEmulator();
});
afterAll(() => emulator.close());

it('without timeoutMs, a call that never gets an answer gives up after 5000 ms', async () => {
  expect(DEFAULT_TIMEOUT_MS).toBe(5_000);
  const { appId, appSecret } = emulator.defaultApp;
  // No timeoutMs, no retry options: the defaults. The code exchange is not retried after a timeout,
  // so exactly one 5 s wait is measured.
  const client = createWechatApiClient({ appId, appSecret, apiBaseUrl: emulator.apiBaseUrl });
  emulator.injectFault('access_token', 'hang');
  const started = Date.now();
  const error = await rejectionOf(client.exchangeCode('someCode000000'));
  const elapsed = Date.now() - started;
  expect(error).toMatchObject({ name: 'WechatUnavailableError', reason: 'timeout', endpoint: 'access_token' });
  expect(elapsed).toBeGreaterThanOrEqual(4_950);
  expect(elapsed).toBeLessThan(6_000);
  expect(emulator.calls.access_token).toBe(1);
}, 10_000);
