import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createMemoryStore, createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { systemClock } from '../../lib/clock.js';
import { rateLimit } from '../../lib/http/rate-limit.js';
import { createExpiringMap } from '../../lib/store/expiring-map.js';
import { createMemoryRateLimit } from '../../lib/http/memory-rate-limit.js';
import { createTestClock } from '../../lib/testing/index.js';
import { buildApp, loginOptions, pathOf, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { reportFigure } from '../helpers/figures.js';

/**
 * Floods of unauthenticated requests: /login writes a state per hit, so it is bounded per client address and
 * per browser (its login cookie), in Redis so the bounds hold across processes; past them 429 + Retry-After,
 * and nothing written. The other routes of ours that strangers reach write nothing at all.
 */

const MINUTE = 60_000;
const LOGIN_TIMEOUT = 10 * MINUTE;

let world: LoginWorld;
const opened: WechatLogin[] = [];
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((wechat) => wechat.close()));
  await world.stop();
});

/**
 * An app with a key prefix of its own (its keys are counted alone), believing X-Forwarded-For from loopback as
 * behind a proxy (`trust proxy`), so a test picks each request's client address.
 */
function floodApp(overrides: Partial<WechatLoginOptions> = {}, { trustProxy = true } = {}): { app: Express; keyPrefix: string } {
  const keyPrefix = overrides.keyPrefix ?? `flood${randomBytes(4).toString('hex')}`;
  const wechat = createWechatLogin(loginOptions(world, { keyPrefix, rateLimit: undefined, ...overrides }), { warn: () => undefined });
  opened.push(wechat);
  const app = buildApp(wechat);
  if (trustProxy) app.set('trust proxy', 'loopback');
  return { app, keyPrefix };
}

const startLogin = (app: Express, ip: string) => request(app).get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);

/** Every key under `prefix`, by SCAN (never KEYS). */
async function keysUnder(prefix: string, redis: Redis = world.redis): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}
const statesUnder = async (prefix: string) => (await keysUnder(prefix)).filter((key) => key.includes(':state:'));

/** `count` requests, `concurrency` at a time; the statuses seen, with how often. */
async function flood(count: number, concurrency: number, send: (i: number) => Promise<request.Response>): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const res = await send(next++);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

const cookiesOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

describe('per client address: loginsPerMinutePerIp (default 60)', () => {
  it('the 61st login within a minute from one address gets 429 with Retry-After, and refused logins write nothing', async () => {
    const { app, keyPrefix } = floodApp();
    for (let i = 0; i < 60; i++) expect((await startLogin(app, '198.51.100.7')).status).toBe(302);
    for (let i = 0; i < 10; i++) {
      const refused = await startLogin(app, '198.51.100.7');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('60'); // the clock has not moved: the oldest leaves in 60 s
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(refused.text).toContain('登录尝试过于频繁'); // too many sign-in attempts
      expect(cookiesOf(refused)).toEqual([]); // no login cookie either
    }
    expect(await statesUnder(keyPrefix)).toHaveLength(60);
    // The states and one window: a refused hit adds no key and no member.
    expect(await keysUnder(keyPrefix)).toHaveLength(61);
    const [window] = (await keysUnder(keyPrefix)).filter((key) => key.includes(':rl:'));
    expect(window).toMatch(/:rl:\{login-ip:198\.51\.100\.7\}$/);
    expect(await world.redis.zcard(window!)).toBe(60);
  });

  it('answers JSON callers { error: "rate_limited" }', async () => {
    const { app } = floodApp({ rateLimit: { loginsPerMinutePerIp: 1 } });
    await startLogin(app, '198.51.100.8');
    const refused = await startLogin(app, '198.51.100.8').set('Accept', 'application/json');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body).toEqual({ error: 'rate_limited', retryAfter: 60 });
    expect(refused.headers['retry-after']).toBe('60');
  });

  it('counts each address on its own', async () => {
    const { app } = floodApp({ rateLimit: { loginsPerMinutePerIp: 3 } });
    for (let i = 0; i < 3; i++) await startLogin(app, '203.0.113.1');
    expect((await startLogin(app, '203.0.113.1')).status).toBe(429);
    expect((await startLogin(app, '203.0.113.2')).status).toBe(302);
  });

  it('counts IPv6 clients by their /64 (one subscriber), and an IPv4-mapped address as the IPv4 one', async () => {
    const { app } = floodApp({ rateLimit: { loginsPerMinutePerIp: 3 } });
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:0DB8:0001:0002:abcd:ef01:2345:6789']) {
      expect((await startLogin(app, ip)).status).toBe(302);
    }
    expect((await startLogin(app, '2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await startLogin(app, '2001:db8:1:3::1')).status).toBe(302); // the next /64: someone else

    for (const ip of ['203.0.113.9', '::ffff:203.0.113.9', '203.0.113.9']) expect((await startLogin(app, ip)).status).toBe(302);
    expect((await startLogin(app, '::ffff:203.0.113.9')).status).toBe(429);
  });

  it('a sliding minute by the injected clock: Retry-After counts down, and the oldest login leaving frees a place', async () => {
    const { app } = floodApp({ rateLimit: { loginsPerMinutePerIp: 3 } });
    for (let i = 0; i < 3; i++) {
      expect((await startLogin(app, '192.0.2.30')).status).toBe(302);
      world.clock.advance(10_000); // logins at 0, 10 and 20 s
    }
    // 30 s after the first
    expect((await startLogin(app, '192.0.2.30')).headers['retry-after']).toBe('30');
    world.clock.advance(30_000 - 1);
    const last = await startLogin(app, '192.0.2.30');
    expect([last.status, last.headers['retry-after']]).toEqual([429, '1']);
    world.clock.advance(1); // the first is a minute old: one place, the other two still count
    expect((await startLogin(app, '192.0.2.30')).status).toBe(302);
    expect((await startLogin(app, '192.0.2.30')).headers['retry-after']).toBe('10');
  });

  it('two app instances on one Redis share the count', async () => {
    const keyPrefix = `shared${randomBytes(4).toString('hex')}`;
    const one = floodApp({ keyPrefix, rateLimit: { loginsPerMinutePerIp: 4 } }).app;
    const two = floodApp({ keyPrefix, rateLimit: { loginsPerMinutePerIp: 4 } }).app;
    for (const app of [one, two, one, two]) expect((await startLogin(app, '192.0.2.40')).status).toBe(302);
    expect((await startLogin(one, '192.0.2.40')).status).toBe(429);
    expect((await startLogin(two, '192.0.2.40')).status).toBe(429);
    expect(await statesUnder(keyPrefix)).toHaveLength(4);
  });

  it('without trust proxy, a forged X-Forwarded-For does not make a flooder many clients', async () => {
    const { app, keyPrefix } = floodApp({ rateLimit: { loginsPerMinutePerIp: 3 } }, { trustProxy: false });
    const statuses = await flood(20, 1, (i) => startLogin(app, `10.0.${i}.1`));
    expect(statuses).toEqual({ 302: 3, 429: 17 });
    expect(await statesUnder(keyPrefix)).toHaveLength(3);
  });

  it('a flood of 1,000 /login hits from one client without cookies leaves 61 keys in Redis (1,000 without the limits)', async () => {
    const unlimited = floodApp({ rateLimit: false });
    const limited = floodApp();
    const before = await flood(1000, 25, () => startLogin(unlimited.app, '192.0.2.50'));
    const after = await flood(1000, 25, () => startLogin(limited.app, '192.0.2.50'));
    const keysBefore = (await keysUnder(unlimited.keyPrefix)).length;
    const keysAfter = (await keysUnder(limited.keyPrefix)).length;
    reportFigure(`1,000 /login hits, one address: rateLimit false → ${JSON.stringify(before)}, ${keysBefore} keys; default limits → ${JSON.stringify(after)}, ${keysAfter} keys`);
    expect(before).toEqual({ 302: 1000 });
    expect(keysBefore).toBe(1000);
    expect(after).toEqual({ 302: 60, 429: 940 });
    expect(keysAfter).toBe(61); // 60 states and the address's window
  });
});

describe('per browser: openLoginsPerBrowser (default 10 within loginTimeoutMs)', () => {
  it('a browser keeping its login cookie holds at most 10 open logins: the 11th is refused, the 10 still complete', async () => {
    const { app, keyPrefix } = floodApp();
    const browser = request.agent(app);
    const authorizeUrls: string[] = [];
    for (let i = 0; i < 10; i++) {
      // A new address each time: the browser's cap, not the address's, is what refuses.
      const res = await browser.get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', `192.0.2.${100 + i}`);
      expect(res.status).toBe(302);
      authorizeUrls.push(res.headers.location as string);
    }
    const refused = await browser.get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', '192.0.2.120');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(LOGIN_TIMEOUT / 1000));
    expect(await statesUnder(keyPrefix)).toHaveLength(10);

    // Refusing the new one (rather than dropping the oldest) leaves every started login able to finish.
    const callback = await browser.get(pathOf(world.emulator.authorize(authorizeUrls[0]!, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
    expect(callback.status).toBe(302);
    expect((await browser.get('/api/me').set('Accept', 'application/json')).status).toBe(200);

    // Another browser at the same address is not this one.
    expect((await startLogin(app, '192.0.2.120')).status).toBe(302);
  });

  it('the cap frees up as the login timeout passes (injected clock)', async () => {
    const { app } = floodApp({ rateLimit: { openLoginsPerBrowser: 2 } });
    const browser = request.agent(app);
    const start = (ip: string) => browser.get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
    expect((await start('192.0.2.130')).status).toBe(302); // the first, which sets the cookie
    world.clock.advance(MINUTE);
    expect((await start('192.0.2.131')).status).toBe(302);
    expect((await start('192.0.2.132')).headers['retry-after']).toBe(String(LOGIN_TIMEOUT / 1000));
    world.clock.advance(LOGIN_TIMEOUT - 1);
    expect((await start('192.0.2.132')).headers['retry-after']).toBe('1');
    world.clock.advance(1);
    expect((await start('192.0.2.133')).status).toBe(302);
  });

  it('a flooder rotating addresses but keeping its cookie holds 10 states', async () => {
    const { app, keyPrefix } = floodApp();
    const browser = request.agent(app);
    const statuses = await flood(200, 1, (i) => browser.get('/auth/wechat/login').set('X-Forwarded-For', `100.64.${i >> 8}.${i & 255}`));
    expect(statuses).toEqual({ 302: 10, 429: 190 });
    expect(await statesUnder(keyPrefix)).toHaveLength(10);
  });
});

describe('the other routes strangers reach write nothing to Redis', () => {
  it('1,000 callbacks with made-up states and codes: all 403, no key written', async () => {
    const { app, keyPrefix } = floodApp();
    const keys = await world.redis.dbsize();
    const statuses = await flood(1000, 25, (i) => {
      const state = randomBytes(16).toString('hex');
      const query = i % 3 === 0 ? `state=${state}` : `code=${randomBytes(16).toString('hex')}&state=${i % 2 ? state : 'x'}${i % 5 ? '' : '&retry=1'}`;
      return request(app).get(`/auth/wechat/callback?${query}`).set('X-Forwarded-For', '192.0.2.60');
    });
    expect(statuses).toEqual({ 403: 1000 });
    expect(await keysUnder(keyPrefix)).toEqual([]);
    expect(await world.redis.dbsize()).toBe(keys);
  });

  it('a real state with a made-up code costs one short code record: each started login buys at most one', async () => {
    const { app, keyPrefix } = floodApp();
    const states = 5;
    for (let i = 0; i < states; i++) {
      const start = await startLogin(app, '192.0.2.70');
      const state = new URL(start.headers.location as string).searchParams.get('state');
      const binder = cookiesOf(start).find((c) => c.startsWith('wechat.sid.login='))!.split(';')[0]!;
      for (let repeat = 0; repeat < 3; repeat++) {
        const code = randomBytes(16).toString('hex');
        await request(app).get(`/auth/wechat/callback?code=${code}&state=${state}`).set('Cookie', binder).set('X-Forwarded-For', '192.0.2.70');
      }
    }
    const keys = await keysUnder(keyPrefix);
    expect(keys.filter((key) => key.includes(':state:'))).toEqual([]);
    expect(keys.filter((key) => key.includes(':code:'))).toHaveLength(states);
    expect(keys.filter((key) => !key.includes(':code:') && !key.includes(':rl:'))).toEqual([]);
  });

  it('200 anonymous logouts (the confirm page and a same-origin POST) write no key', async () => {
    const { app, keyPrefix } = floodApp();
    const statuses = await flood(200, 10, (i) =>
      i % 2
        ? request(app).get('/auth/wechat/logout')
        : request(app).post('/auth/wechat/logout').set('Origin', 'http://localhost:3000').set('Cookie', `wechat.sid=s%3A${randomBytes(12).toString('hex')}.forged`),
    );
    expect(statuses).toEqual({ 200: 100, 303: 100 });
    expect(await keysUnder(keyPrefix)).toEqual([]);
  });
});

describe('when Redis fails, the limiter answers 503 (like every store error) and lets nothing through', () => {
  it('its script refused (WRONGTYPE): 503 and no state written', async () => {
    const { app, keyPrefix } = floodApp();
    await world.redis.set(`${keyPrefix}:${world.emulator.defaultApp.appId}:rl:{login-ip:192.0.2.80}`, 'not a sorted set');
    const res = await startLogin(app, '192.0.2.80');
    expect(res.status).toBe(503);
    expect(await statesUnder(keyPrefix)).toEqual([]);
    expect((await startLogin(app, '192.0.2.81')).status).toBe(302); // other clients are not affected
  });

  it('Redis stopped: 503 at once, not a login without its count', async () => {
    const server = await startRedisServer();
    const redis = new Redis({ port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect();
    const { app } = floodApp({ redis });
    await server.stop();
    const started = Date.now();
    const res = await startLogin(app, '192.0.2.90');
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Ended by itself (no retry strategy): disconnect() now would arm ioredis's 2 s timer on a closed socket.
    expect(redis.status).toBe('end');
  });
});

describe('the memory store (one-process demo) has the same limits and stays bounded', () => {
  it('429 past the per-address and per-browser limits', async () => {
    const { app } = floodApp({ redis: undefined, store: createMemoryStore({ clock: world.clock }), rateLimit: { loginsPerMinutePerIp: 3, openLoginsPerBrowser: 2 } });
    for (let i = 0; i < 3; i++) expect((await startLogin(app, '192.0.2.150')).status).toBe(302);
    expect((await startLogin(app, '192.0.2.150')).status).toBe(429);
    const browser = request.agent(app);
    const start = (ip: string) => browser.get('/auth/wechat/login').set('X-Forwarded-For', ip);
    expect((await start('192.0.2.151')).status).toBe(302);
    expect((await start('192.0.2.152')).status).toBe(302);
    const refused = await start('192.0.2.153');
    expect([refused.status, refused.headers['retry-after']]).toEqual([429, String(LOGIN_TIMEOUT / 1000)]);
  });

  it('expired states nobody reads are swept: 100,000 over 100 minutes leave about two timeouts’ worth, not all', () => {
    const clock = createTestClock(0);
    const states = createExpiringMap(clock);
    let largest = 0;
    for (let minute = 0; minute < 100; minute++) {
      for (let i = 0; i < 1000; i++) states.set(`state:${minute}:${i}`, { i }, LOGIN_TIMEOUT);
      largest = Math.max(largest, states.size);
      clock.advance(MINUTE);
    }
    // 10,000 live at any time (10 minutes of 1,000); a sweep every max(1,000, size) writes.
    expect(largest).toBeLessThanOrEqual(21_000);
    expect(states.get('state:99:0')).toEqual({ i: 0 });
    expect(states.get('state:0:0')).toBeNull();
  });

  it('idle windows of the memory limiter are swept: 100,000 addresses over 100 minutes', async () => {
    const limiter = createMemoryRateLimit();
    let largest = 0;
    for (let minute = 0; minute < 100; minute++) {
      for (let i = 0; i < 1000; i++) await limiter.hit({ name: 'login-ip', key: `10.${minute}.${i >> 8}.${i & 255}`, limit: 60, windowMs: MINUTE, now: minute * MINUTE });
      largest = Math.max(largest, limiter.size);
    }
    expect(largest).toBeLessThanOrEqual(3_000);
  });
});

describe('options and the rateLimit() building block', () => {
  it.each([
    ['yes', /"rateLimit" must be/],
    [{ loginsPerMinutePerIp: 0 }, /"rateLimit.loginsPerMinutePerIp" must be a whole number ≥ 1/],
    [{ loginsPerMinutePerIp: 2.5 }, /"rateLimit.loginsPerMinutePerIp"/],
    [{ openLoginsPerBrowser: -1 }, /"rateLimit.openLoginsPerBrowser"/],
    [{ openLoginsPerBrowser: 1 }, /"rateLimit.openLoginsPerBrowser" must be a whole number ≥ 2: a login restarted/],
    [{ openLoginsPerBrowser: '10' }, /"rateLimit.openLoginsPerBrowser"/],
    [true, /"rateLimit" must be/],
  ])('rateLimit: %j is refused naming the option', (value, message) => {
    expect(() => createWechatLogin(loginOptions(world, { rateLimit: value as never }), { warn: () => undefined })).toThrow(message);
  });

  it.each([
    [{ name: 'Login IP' }, /"name" must be/],
    [{ limit: 0 }, /"limit" must be a whole number/],
    [{ windowMs: 0.5 }, /"windowMs" must be/],
    [{ key: 'ip' }, /"key" must be a function/],
  ])('rateLimit() refuses %j', (bad, message) => {
    const rule = { name: 'scan-ip', limit: 5, windowMs: MINUTE, key: () => 'k', ...bad } as never;
    expect(() => rateLimit({ store: createMemoryStore(), clock: systemClock }, rule)).toThrow(message);
  });

  it('a key with hash-tag braces or of any length is stored as its digest: one slot, no tag injection', async () => {
    const keyPrefix = `rl${randomBytes(4).toString('hex')}`;
    const wechat = createWechatLogin(loginOptions(world, { keyPrefix }), { warn: () => undefined });
    opened.push(wechat);
    const app = express();
    const hostile = `}{x}${'a'.repeat(500)}`;
    app.get('/ticket', rateLimit({ store: wechat.store, clock: world.clock }, { name: 'scan-ip', limit: 1, windowMs: MINUTE, key: () => hostile }), (_req, res) => void res.send('ok'));
    expect((await request(app).get('/ticket')).status).toBe(200);
    expect((await request(app).get('/ticket')).status).toBe(429);
    const [key, ...others] = await keysUnder(keyPrefix);
    expect(others).toEqual([]);
    expect(key).toMatch(/:rl:\{scan-ip:sha256:[A-Za-z0-9_-]{43}\}$/);
  });
});
