import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { hashScanSecret } from '../../lib/scan/cookie.js';
import { createScanTicketSealer } from '../../lib/scan/ticket-token.js';
import { asDesktop } from './scan-world.js';

const SCAN_SECRET = 'b'.repeat(43);
/** A code this browser was shown before the outage (sealed with the app's session secret): only its reads need Redis. */
const shown = createScanTicketSealer(['test-session-secret-that-is-long-enough-000']) // loginOptions' session secret
  .seal({
  ownerHash: hashScanSecret('owner', SCAN_SECRET),
  desktop: 'Chrome on Windows',
  createdAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
  digits: '',
  scope: 'snsapi_userinfo',
});

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
    ['the status', `/auth/wechat/scan/status?t=${shown}`],
    ['the event stream', `/auth/wechat/scan/events?t=${shown}`],
    ['the completion', `/auth/wechat/scan/complete?t=${shown}`],
  ])('%s: 503 at once, no stack, no session', async (_name, path) => {
    const started = Date.now();
    // A scan cookie of this browser, as a desktop that showed a code before the outage has one.
    const res = await asDesktop(request(app).get(path)).set('Cookie', `wechat.sid.scan=${SCAN_SECRET}`);
    expect(res.status).toBe(503);
    expect(res.text).not.toMatch(/at .*\.ts:\d+|NOPERM/);
    expect(res.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^wechat\.sid=/)]));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
