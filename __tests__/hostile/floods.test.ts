import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createMemoryStore, createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { systemClock } from '../../lib/clock.js';
import { rateLimit } from '../../lib/http/rate-limit.js';
import { createExpiringMap } from '../../lib/store/expiring-map.js';
import { createMemoryRateLimit } from '../../lib/http/memory-rate-limit.js';
import { createTestClock } from '../../lib/testing/index.js';
import { buildApp, DESKTOP_UA, loginOptions, pathOf, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { reportFigure } from '../helpers/figures.js';

/**
 * Crowds and floods: what completes is never limited; what costs us or WeChat without a login at the end is,
 * per client address and in Redis so it holds across processes (code exchanges WeChat refuses, callbacks with a
 * bad state). /login writes nothing at all, so there is nothing to limit there.
 */

const MINUTE = 60_000;

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
 * behind a proxy (`trust proxy`), so a test picks each request's client address. The default limits unless set.
 */
function floodApp(overrides: Partial<WechatLoginOptions> = {}, { trustProxy = true } = {}): { app: Express; keyPrefix: string } {
  const keyPrefix = overrides.keyPrefix ?? `flood${randomBytes(4).toString('hex')}`;
  const wechat = createWechatLogin(loginOptions(world, { keyPrefix, rateLimit: undefined, ...overrides }), { warn: () => undefined });
  opened.push(wechat);
  const app = buildApp(wechat);
  if (trustProxy) app.set('trust proxy', 'loopback');
  return { app, keyPrefix };
}

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

/** `count` tasks, `concurrency` at a time; the statuses seen, with how often. */
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

type Agent = ReturnType<typeof request.agent>;

/** A browser at `ip` starts a login on `from`, WeChat answers, the callback goes to `to`: the callback's answer. */
async function logIn(from: Express, to: Express, ip: string, user = 'alice'): Promise<{ agent: Agent; callback: request.Response }> {
  const agent = request.agent(from);
  const start = await agent.get('/auth/wechat/login?returnTo=/api/me').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
  expect(start.status).toBe(302);
  const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user }));
  const cookies = ([] as string[]).concat(start.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const callback = await request(to).get(callbackPath).set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip).set('Cookie', cookies);
  return { agent, callback };
}

/** A real state of this browser's, with a made-up code: what one spending the app's WeChat quota sends. */
async function madeUpCode(agent: Agent, ip: string): Promise<request.Response> {
  const start = await agent.get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
  const state = new URL(start.headers.location as string).searchParams.get('state')!;
  return agent.get(`/auth/wechat/callback?code=${randomBytes(16).toString('hex')}&state=${state}`).set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
}

describe('a crowd behind one address is never refused', () => {
  it('200 logins from one address within a minute, over two instances, all log in with the default options; no window is left', async () => {
    const keyPrefix = `crowd${randomBytes(4).toString('hex')}`;
    const one = floodApp({ keyPrefix }).app;
    const two = floodApp({ keyPrefix }).app;
    const sessions: string[] = [];
    const statuses = await flood(200, 10, async (i) => {
      // Two people logging in 100 times each: within MAX_GRANTS_PER_USER, so every session stays signed in.
      const { callback } = await logIn(i % 2 ? one : two, i % 2 ? two : one, '203.0.113.77', i < 100 ? 'alice' : 'bob');
      const sid = ([] as string[]).concat(callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid='));
      if (sid) sessions.push(sid.split(';')[0]!);
      return callback;
    });
    reportFigure(`200 logins from one address over two instances: ${JSON.stringify(statuses)}`);
    expect(statuses).toEqual({ 302: 200 });
    expect(sessions).toHaveLength(200);
    for (const sid of sessions) expect((await request(one).get('/api/me').set('Accept', 'application/json').set('Cookie', sid)).status).toBe(200);
    // Each exchange's reservation was given back once WeChat took the code: no window holds a member.
    expect((await keysUnder(keyPrefix)).filter((key) => key.includes(':rl:'))).toEqual([]);
  });

  it('a burst of callbacks from one address, more at once than the exchange budget, all log in (a place in flight waits for one given back)', async () => {
    const { app } = floodApp({ rateLimit: { refusedCodesPerMinutePerIp: 4 } });
    // WeChat takes 200 ms for each exchange: 8 callbacks at once hold twice the places the budget has.
    world.emulator.injectFault('access_token', 'slow', 8, { delayMs: 200 });
    const statuses = await flood(8, 8, async (i) => (await logIn(app, app, '203.0.113.78', i % 2 ? 'alice' : 'bob')).callback);
    world.emulator.clearFaults();
    expect(statuses).toEqual({ 302: 8 });
  });

  it('/login writes nothing: 1,000 hits from one address leave no key and are all 302', async () => {
    const { app, keyPrefix } = floodApp();
    const statuses = await flood(1000, 25, () => request(app).get('/auth/wechat/login').set('X-Forwarded-For', '192.0.2.50'));
    expect(statuses).toEqual({ 302: 1000 });
    expect(await keysUnder(keyPrefix)).toEqual([]);
  });
});

describe('refusedCodesPerMinutePerIp (default 30): made-up codes cannot spend the WeChat quota', () => {
  it('200 made-up codes from one address, 20 at once: 30 exchanges reach WeChat, the rest 429 with Retry-After', async () => {
    // An exchange that times out gives its place back (not the code's fault): on a loaded machine the suite's 1 s
    // timeout would let a few more reach WeChat. This test counts refusals, so WeChat gets time to refuse.
    const { app, keyPrefix } = floodApp({ timeoutMs: 15_000 });
    const exchanges = world.emulator.calls.access_token;
    const agents = Array.from({ length: 20 }, () => request.agent(app));
    const answers: request.Response[] = [];
    const statuses = await flood(200, 20, async (i) => {
      const res = await madeUpCode(agents[i % 20]!, '198.51.100.7');
      answers.push(res);
      return res;
    });
    const caused = world.emulator.calls.access_token - exchanges;
    reportFigure(`200 made-up codes from one address: ${caused} WeChat code exchanges, ${JSON.stringify(statuses)}`);
    expect(caused).toBe(30);
    // A refused code restarts its login once (302 to /login?retry=1); past the budget, 429 before WeChat.
    expect(statuses).toEqual({ 302: 30, 429: 170 });
    const refused = answers.find((res) => res.status === 429)!;
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.text).toContain('登录尝试过于频繁'); // too many sign-in attempts
    const windows = (await keysUnder(keyPrefix)).filter((key) => key.includes(':rl:'));
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatch(/:rl:\{refused-code:198\.51\.100\.7\}$/);
    expect(await world.redis.zcard(windows[0]!)).toBe(30);
  });

  it('counts each address on its own, and a sliding minute by the injected clock frees the oldest', async () => {
    const { app } = floodApp({ rateLimit: { refusedCodesPerMinutePerIp: 2 } });
    const agent = request.agent(app);
    expect((await madeUpCode(agent, '203.0.113.1')).status).toBe(302);
    world.clock.advance(10_000);
    expect((await madeUpCode(agent, '203.0.113.1')).status).toBe(302);
    const limited = await madeUpCode(agent, '203.0.113.1');
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '50']);
    expect((await madeUpCode(agent, '203.0.113.2')).status).toBe(302);
    world.clock.advance(50_000);
    expect((await madeUpCode(agent, '203.0.113.1')).status).toBe(302);
  });

  it('the budget is shared by two instances on one Redis', async () => {
    const keyPrefix = `shared${randomBytes(4).toString('hex')}`;
    const one = floodApp({ keyPrefix, rateLimit: { refusedCodesPerMinutePerIp: 4 } }).app;
    const two = floodApp({ keyPrefix, rateLimit: { refusedCodesPerMinutePerIp: 4 } }).app;
    const statuses: number[] = [];
    for (const app of [one, two, one, two, one, two]) statuses.push((await madeUpCode(request.agent(app), '192.0.2.40')).status);
    expect(statuses).toEqual([302, 302, 302, 302, 429, 429]);
  });

  it('without trust proxy, a forged X-Forwarded-For does not make a flooder many clients', async () => {
    const { app } = floodApp({ rateLimit: { refusedCodesPerMinutePerIp: 3 } }, { trustProxy: false });
    const agent = request.agent(app);
    const statuses = await flood(10, 1, (i) => madeUpCode(agent, `10.0.${i}.1`));
    expect(statuses).toEqual({ 302: 3, 429: 7 });
  });
});

describe('badCallbacksPerMinutePerIp (default 60)', () => {
  it('1,000 callbacks with made-up states and codes: 60 × 403, then 429; one window is all they write', async () => {
    const { app, keyPrefix } = floodApp();
    const statuses = await flood(1000, 25, (i) => {
      const state = randomBytes(16).toString('hex');
      const query = i % 3 === 0 ? `state=${state}` : `code=${randomBytes(16).toString('hex')}&state=${i % 2 ? state : 'x'}${i % 5 ? '' : '&retry=1'}`;
      return request(app).get(`/auth/wechat/callback?${query}`).set('X-Forwarded-For', '192.0.2.60');
    });
    expect(statuses).toEqual({ 403: 60, 429: 940 });
    const written = await keysUnder(keyPrefix);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/:rl:\{bad-callback:192\.0\.2\.60\}$/);
  });

  it("past the limit an address's good callbacks still log in: only failures are counted and refused", async () => {
    const { app } = floodApp({ rateLimit: { badCallbacksPerMinutePerIp: 3 } });
    for (let i = 0; i < 5; i++) await request(app).get(`/auth/wechat/callback?code=x&state=${randomBytes(16).toString('hex')}`).set('X-Forwarded-For', '192.0.2.61');
    expect((await request(app).get(`/auth/wechat/callback?code=x&state=${randomBytes(16).toString('hex')}`).set('X-Forwarded-For', '192.0.2.61')).status).toBe(429);
    const { callback } = await logIn(app, app, '192.0.2.61');
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/api/me');
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

describe('scanCodesInFlight: a ceiling on the scan codes every anonymous desktop holds together', () => {
  it('past it new codes from any address get 429 with Retry-After, and a signed-in user is unaffected', async () => {
    const { app, keyPrefix } = floodApp({ rateLimit: { scanCodesInFlight: 3 } });
    const desktop = (ip: string) => request(app).get('/auth/wechat/scan?returnTo=%2Fprofile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html').set('X-Forwarded-For', ip);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await desktop(`203.0.113.${100 + i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await desktop('203.0.113.120');
    expect(refused.headers['retry-after']).toBeDefined();
    // Codes nobody scanned are sealed values in the pages: no ticket key at all (the ceiling is a counter).
    expect((await keysUnder(keyPrefix)).filter((key) => key.includes(':scan:{') || key.includes(':scan-open:{'))).toHaveLength(0);
    // A signed-in user's guarded page needs no code.
    const { callback } = await logIn(app, app, '203.0.113.130');
    const sid = ([] as string[]).concat(callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!;
    expect((await request(app).get('/profile').set('User-Agent', DESKTOP_UA).set('Cookie', sid).set('X-Forwarded-For', '203.0.113.130')).status).toBe(200);
    // The codes expire (the scan ticket's lifetime, 120 s): the ceiling frees.
    world.clock.advance(120_000);
    expect((await desktop('203.0.113.140')).status).toBe(200);
  });
});

describe('when Redis fails, the limiter answers 503 and lets nothing through', () => {
  it("the budget's window refused (WRONGTYPE): 503, no exchange, and a fresh login offered", async () => {
    const { app, keyPrefix } = floodApp();
    await world.redis.set(`${keyPrefix}:${world.emulator.defaultApp.appId}:rl:{refused-code:192.0.2.80}`, 'not a sorted set');
    const exchanges = world.emulator.calls.access_token;
    const { callback } = await logIn(app, app, '192.0.2.80');
    expect(callback.status).toBe(503);
    expect(world.emulator.calls.access_token).toBe(exchanges);
    expect(callback.text).toContain('/auth/wechat/login?returnTo=%2Fapi%2Fme');
    expect((await logIn(app, app, '192.0.2.81')).callback.status).toBe(302); // other clients are not affected
  });
});

describe('the memory store (one-process demo) has the same limits and stays bounded', () => {
  it('the exchange budget and the bad-callback limit', async () => {
    const { app } = floodApp({
      redis: undefined,
      store: createMemoryStore({ clock: world.clock }),
      rateLimit: { refusedCodesPerMinutePerIp: 2, badCallbacksPerMinutePerIp: 2 },
    });
    const agent = request.agent(app);
    const codes = await flood(4, 1, () => madeUpCode(agent, '192.0.2.150'));
    expect(codes).toEqual({ 302: 2, 429: 2 });
    const bad = await flood(4, 1, () => request(app).get(`/auth/wechat/callback?code=x&state=${randomBytes(16).toString('hex')}`).set('X-Forwarded-For', '192.0.2.151'));
    expect(bad).toEqual({ 403: 2, 429: 2 });
    // Logins that complete give their place back: three in a row from an address with a budget of 2.
    for (let i = 0; i < 3; i++) expect((await logIn(app, app, '192.0.2.152')).callback.status).toBe(302);
  });

  it('expired entries nobody reads are swept: 100,000 over 100 minutes leave about two timeouts’ worth, not all', () => {
    const clock = createTestClock(0);
    const states = createExpiringMap(clock);
    let largest = 0;
    for (let minute = 0; minute < 100; minute++) {
      for (let i = 0; i < 1000; i++) states.set(`state-used:${minute}:${i}`, 1, 10 * MINUTE);
      largest = Math.max(largest, states.size);
      clock.advance(MINUTE);
    }
    // 10,000 live at any time (10 minutes of 1,000); a sweep every max(1,000, size) writes.
    expect(largest).toBeLessThanOrEqual(21_000);
    expect(states.get('state-used:99:0')).toEqual(1);
    expect(states.get('state-used:0:0')).toBeNull();
  });

  it('idle windows of the memory limiter are swept: 100,000 addresses over 100 minutes', async () => {
    const limiter = createMemoryRateLimit();
    let largest = 0;
    for (let minute = 0; minute < 100; minute++) {
      for (let i = 0; i < 1000; i++) await limiter.hit({ name: 'bad-callback', key: `10.${minute}.${i >> 8}.${i & 255}`, limit: 60, windowMs: MINUTE, now: minute * MINUTE });
      largest = Math.max(largest, limiter.size);
    }
    expect(largest).toBeLessThanOrEqual(3_000);
  });

  it('a forgotten hit frees its place', async () => {
    const limiter = createMemoryRateLimit();
    const hit = { name: 'refused-code', key: 'k', limit: 1, windowMs: MINUTE, now: 0 };
    expect((await limiter.hit({ ...hit, member: 'a' })).allowed).toBe(true);
    expect((await limiter.hit({ ...hit, member: 'b' })).allowed).toBe(false);
    await limiter.forget({ name: 'refused-code', key: 'k', member: 'a' });
    expect((await limiter.hit({ ...hit, member: 'c' })).allowed).toBe(true);
  });
});

describe('options and the rateLimit() building block', () => {
  it.each([
    ['yes', /"rateLimit" must be/],
    [{ refusedCodesPerMinutePerIp: 0 }, /"rateLimit.refusedCodesPerMinutePerIp" must be a whole number ≥ 1/],
    [{ badCallbacksPerMinutePerIp: 2.5 }, /"rateLimit.badCallbacksPerMinutePerIp"/],
    [{ scanCodesPerMinutePerIp: '60' }, /"rateLimit.scanCodesPerMinutePerIp"/],
    [{ openLoginsPerBrowser: -1 }, /"rateLimit.openLoginsPerBrowser"/],
    [{ openLoginsPerBrowser: 1 }, /"rateLimit.openLoginsPerBrowser" must be a whole number ≥ 2: a login restarted/],
    [{ refusedCodesPerMinute: 5 }, /"rateLimit.refusedCodesPerMinute" is not an option/],
    [true, /"rateLimit" must be/],
  ])('rateLimit: %j is refused naming the option', (value, message) => {
    expect(() => createWechatLogin(loginOptions(world, { rateLimit: value as never }), { warn: () => undefined })).toThrow(message);
  });

  it('loginsPerMinutePerIp is still accepted, ignored, with one start-up warning naming the replacements', async () => {
    const warnings: string[] = [];
    const { app } = floodApp({ rateLimit: { loginsPerMinutePerIp: 1 } });
    opened.push(createWechatLogin(loginOptions(world, { rateLimit: { loginsPerMinutePerIp: 1 } }), { warn: (m) => warnings.push(m) }));
    expect(warnings.filter((w) => w.includes('loginsPerMinutePerIp'))).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/"rateLimit.loginsPerMinutePerIp" is ignored.*refusedCodesPerMinutePerIp.*badCallbacksPerMinutePerIp/);
    // Ignored: three logins from one address with the old limit of 1.
    for (let i = 0; i < 3; i++) expect((await logIn(app, app, '192.0.2.160')).callback.status).toBe(302);
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
