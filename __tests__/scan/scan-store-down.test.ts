import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { asDesktop } from './scan-world.js';

/**
 * Redis refusing every command (an ACL that lost our keys): the scan routes answer 503 at once, with no
 * stack, no code issued, nobody signed in; never a crash or a hang.
 */
let world: LoginWorld;
let refused: Redis;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startWorld();
  await world.redis.acl('SETUSER', 'nokeys', 'on', '>nokeys-password', '+@all', 'resetkeys');
  refused = world.redisServer.client();
  await refused.auth('nokeys', 'nokeys-password');
  wechat = createWechatLogin(loginOptions(world, { redis: refused }), { warn: () => undefined });
  app = buildApp(wechat);
});
afterAll(async () => {
  await wechat?.close();
  await world?.stop();
});

describe('scan routes while Redis refuses every command', () => {
  it.each([
    ['the guard on a desktop', '/profile'],
    ['the scan page', '/auth/wechat/scan?returnTo=%2Fprofile'],
    ['the status', `/auth/wechat/scan/status?t=${'a'.repeat(22)}`],
    ['the event stream', `/auth/wechat/scan/events?t=${'a'.repeat(22)}`],
    ['the completion', `/auth/wechat/scan/complete?t=${'a'.repeat(22)}`],
  ])('%s: 503 at once, no stack, no session', async (_name, path) => {
    const started = Date.now();
    // A scan cookie of this browser, as a desktop that showed a code before the outage has one.
    const res = await asDesktop(request(app).get(path)).set('Cookie', `wechat.sid.scan=${'b'.repeat(43)}`);
    expect(res.status).toBe(503);
    expect(res.text).not.toMatch(/at .*\.ts:\d+|NOPERM/);
    expect(res.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^wechat\.sid=/)]));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
