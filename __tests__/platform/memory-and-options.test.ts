import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { createMemoryStore, createWechatLogin, type WechatStore } from '../../lib/index.js';
import { resolvePlatform } from '../../lib/config/platform-options.js';
import { createTestClock } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';
import type { WechatEmulator } from '../../lib/testing/index.js';
import { configOf, platformCalls, wechatVerifies } from './platform-helpers.js';

let emulator: WechatEmulator;
useEmulator((e) => (emulator = e), { clock: createTestClock() });

function memoryLogin(store: WechatStore) {
  return createWechatLogin(
    {
      appId: emulator.defaultApp.appId,
      appSecret: emulator.defaultApp.appSecret,
      store,
      session: { secret: 'test-session-secret-that-is-long-enough-000' },
      apiBaseUrl: emulator.apiBaseUrl,
      publicUrl: 'http://localhost:3000',
      clock: emulator.clock,
    },
    { warn: () => undefined },
  );
}

describe('the JS-SDK on the memory store (one process)', () => {
  it('signs with one stable_token and one getticket call for 20 concurrent requests, and expires with the clock', async () => {
    const wechat = memoryLogin(createMemoryStore({ clock: emulator.clock }));
    const app = express().use(wechat.router);
    const answers = await Promise.all(Array.from({ length: 20 }, () => configOf(app)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(platformCalls(emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    expect(await wechatVerifies(emulator, answers[3]!.body)).toBe(true);
    emulator.advanceTime(2 * 3600_000 + 1);
    expect((await configOf(app)).status).toBe(200);
    expect(platformCalls(emulator)).toEqual({ stable_token: 2, token: 0, getticket: 2 });
    await wechat.close();
  });

  it('a store of your own without platform storage: no route, and wechat.platform says how to fix it', async () => {
    const { platform: _none, ...store } = createMemoryStore({ clock: emulator.clock });
    const warnings: string[] = [];
    const wechat = createWechatLogin(
      {
        appId: emulator.defaultApp.appId,
        appSecret: emulator.defaultApp.appSecret,
        store: { ...store, kind: 'memory' },
        session: { secret: 'test-session-secret-that-is-long-enough-000' },
        apiBaseUrl: emulator.apiBaseUrl,
        publicUrl: 'http://localhost:3000',
      },
      { warn: (m) => void warnings.push(m) },
    );
    expect((await configOf(express().use(wechat.router))).status).toBe(404);
    await expect(wechat.platform.getAccessToken()).rejects.toThrow(/platform storage/);
    expect(warnings.join('\n')).toMatch(/jssdk-config are off/);
    await wechat.close();
  });
});

describe('platform options', () => {
  it('defaults to the route on and a 5-minute refresh ahead', () => {
    expect(resolvePlatform(undefined)).toEqual({ jssdkRoute: true, refreshAheadMs: 300_000 });
  });
  it.each([
    [null, /"platform" must be an object/],
    [{ jssdkRoute: 'yes' }, /"platform.jssdkRoute" must be true/],
    [{ refreshAheadMs: 10 }, /"platform.refreshAheadMs" must be a number of ms from 1000/],
    [{ refreshAheadMs: 3_600_000 }, /"platform.refreshAheadMs"/],
  ])('refuses %j with a message that names the option', (value, message) => {
    expect(() => resolvePlatform(value)).toThrow(message);
  });
});
