import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { createRedisStore, createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { closeAll, configOf, PAGE, platformCalls, wechatVerifies } from './platform-helpers.js';

const HOUR_MS = 3600_000;
let world: LoginWorld;
let instances: WechatLogin[] = [];

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.stop();
});
beforeEach(async () => {
  // A new (Beijing) day past every token's expiry: what one test did at the emulator (a kill, the day's forced
  // refreshes) is over for the next.
  world.clock.advance(25 * HOUR_MS);
  await world.redis.flushall();
  world.emulator.clearFaults();
  world.emulator.resetCalls();
});
afterEach(async () => {
  await closeAll(instances);
  instances = [];
});

/** An instance with its own Redis connection, as another process would have. */
function instance(overrides: Partial<WechatLoginOptions> = {}): { wechat: WechatLogin; app: Express } {
  const wechat = createWechatLogin(loginOptions(world, { redis: world.redisServer.url, ...overrides }), { warn: () => undefined });
  instances.push(wechat);
  return { wechat, app: buildApp(wechat) };
}

describe('GET {prefix}/jssdk-config', () => {
  it('answers 40 concurrent requests over two instances on an empty Redis with one stable_token and one getticket call', async () => {
    const apps = [instance().app, instance().app];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    const body = answers[0]!.body;
    expect(Object.keys(body).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
    expect(body.appId).toBe(world.emulator.defaultApp.appId);
    expect(body.timestamp).toBe(Math.floor(world.clock.now() / 1000));
    expect(body.nonceStr).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(answers[0]!.headers['cache-control']).toBe('no-store');
    expect(new Set(answers.map((a) => a.body.nonceStr)).size).toBe(40);
    // WeChat's own check: every one verifies for the page, fragment and all; not for another page.
    for (const answer of answers.slice(0, 5)) expect(await wechatVerifies(world.emulator, answer.body)).toBe(true);
    expect(await wechatVerifies(world.emulator, body, 'http://localhost:3000/other')).toBe(false);

    // An instance started later finds both in Redis.
    const later = instance();
    world.emulator.resetCalls();
    expect((await configOf(later.app)).status).toBe(200);
    expect(await later.wechat.platform.getAccessToken()).toMatch(/^S/);
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 0, token: 0, getticket: 0 });
  });

  it.each([
    ['no url', null],
    ['an empty url', ''],
    ['another host', 'http://evil.example.com/profile'],
    ['our host as a subdomain of another', 'http://localhost:3000.evil.example.com/'],
    ['another port', 'http://localhost:3001/profile'],
    ['another scheme', 'https://localhost:3000/profile'],
    ['a scheme-relative url', '//localhost:3000/profile'],
    ['a path only', '/profile'],
    ['javascript:', 'javascript:alert(1)//http://localhost:3000/'],
    ['credentials in the url', 'http://user:pass@localhost:3000/profile'],
    ['a backslash host', 'http:\\\\localhost:3000/profile'],
    ['a url too long', `http://localhost:3000/?${'a'.repeat(5000)}`],
  ])('refuses %s with a 400 that costs WeChat nothing', async (_name, url) => {
    const { app } = instance();
    const res = await configOf(app, url);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_url');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 0, token: 0, getticket: 0 });
  });

  it('without publicUrl, signs pages of the request origin only', async () => {
    const { app } = instance({ publicUrl: undefined });
    const ok = await configOf(app, 'http://shop.test/a?b=1').set('Host', 'shop.test');
    expect(ok.status).toBe(200);
    const refused = await configOf(app, 'http://localhost:3000/a').set('Host', 'shop.test');
    expect(refused.status).toBe(400);
  });

  it('is not mounted with platform.jssdkRoute false; wechat.platform still works', async () => {
    const { app, wechat } = instance({ platform: { jssdkRoute: false } });
    expect((await configOf(app)).status).toBe(404);
    expect(platformCalls(world.emulator).getticket).toBe(0);
    expect(await wechat.platform.getJsapiTicket()).toHaveLength(86);
  });
});

describe('the shared app token and ticket over time', () => {
  it('after expiry (the injected clock), 40 requests over two instances refresh each once', async () => {
    const apps = [instance().app, instance().app];
    expect((await configOf(apps[0]!)).status).toBe(200);
    world.clock.advance(2 * HOUR_MS + 1_000);
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    expect(await wechatVerifies(world.emulator, answers[39]!.body)).toBe(true);
  });

  it('ahead of expiry, one caller refreshes while the others keep the still-valid values', async () => {
    const a = instance();
    const b = instance();
    const token = await a.wechat.platform.getAccessToken();
    const ticket = await a.wechat.platform.getJsapiTicket();
    world.clock.advance(2 * HOUR_MS - 60_000); // inside the 5-minute refresh window
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => configOf([a.app, b.app][i % 2]!)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    // The stable token is the same until it expires (WeChat's rule): asked once, not again before it expires.
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    expect(await b.wechat.platform.getAccessToken()).toBe(token);
    expect(await b.wechat.platform.getJsapiTicket()).toBe(ticket);
    // Later in the last minute: still nothing to ask (the answer would be the same token again).
    world.clock.advance(40_000);
    await Promise.all([configOf(a.app), configOf(b.app)]);
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    // Past its expiry, the next one.
    world.clock.advance(21_000);
    await Promise.all([configOf(a.app), configOf(b.app)]);
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 2, token: 0, getticket: 2 });
    expect(await a.wechat.platform.getAccessToken()).not.toBe(token);
  });

  it('a token killed at WeChat (40001 at getticket): one fresh token, getticket retried once, no 500', async () => {
    const apps = [instance().app, instance().app];
    expect((await configOf(apps[0]!)).status).toBe(200);
    const killed = world.emulator.platform.killStableToken();
    // The ticket must be fetched again (as after its expiry) while the stored token is dead at WeChat.
    await world.redis.del('wol:{' + world.emulator.defaultApp.appId + ':platform}:jsapiTicket');
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 2 });
    expect(await instances[0]!.platform.getAccessToken()).not.toBe(killed);
  });

  it('force_refresh only when the normal call hands back the dead token, and within WeChat\'s 30 s spacing', async () => {
    const { wechat } = instance();
    const other = instance().wechat;
    const first = await wechat.platform.getAccessToken();
    world.emulator.platform.killStableToken({ stillHandedOut: true });
    world.emulator.resetCalls();
    const fresh = await Promise.all(Array.from({ length: 10 }, (_, i) => [wechat, other][i % 2]!.platform.getAccessToken({ refusedToken: first })));
    expect(new Set(fresh).size).toBe(1);
    expect(fresh[0]).not.toBe(first);
    expect(platformCalls(world.emulator).stable_token).toBe(2); // the normal call (same token back), then one forced

    // Ten seconds later the new one dies the same way: our count across processes refuses a second force.
    world.clock.advance(10_000);
    world.emulator.platform.killStableToken({ stillHandedOut: true });
    world.emulator.resetCalls();
    await expect(other.platform.getAccessToken({ refusedToken: fresh[0] })).rejects.toMatchObject({ code: 'ERR_WECHAT_API', errcode: 45011, endpoint: 'stable_token' });
    expect(platformCalls(world.emulator).stable_token).toBe(1); // the normal call only: no forced call WeChat would refuse
    world.clock.advance(21_000);
    await expect(other.platform.getAccessToken({ refusedToken: fresh[0] })).resolves.not.toBe(fresh[0]);
  });

  it('surfaces WeChat\'s own 45009 (daily quota) as a WechatApiError, without looping', async () => {
    const { wechat } = instance();
    const first = await wechat.platform.getAccessToken();
    world.emulator.platform.killStableToken({ stillHandedOut: true });
    // Another system used up today's forced refreshes of this app at WeChat.
    for (let i = 0; i < 20; i++) {
      world.clock.advance(31_000);
      await fetch(`${world.emulator.apiBaseUrl}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credential', appid: world.emulator.defaultApp.appId, secret: world.emulator.defaultApp.appSecret, force_refresh: true }),
      });
    }
    world.emulator.platform.killStableToken({ stillHandedOut: true });
    world.clock.advance(31_000);
    world.emulator.resetCalls();
    await expect(wechat.platform.getAccessToken({ refusedToken: first })).resolves.toBeDefined(); // a token minted by the loop above is live
    const current = await wechat.platform.getAccessToken();
    world.emulator.platform.killStableToken({ stillHandedOut: true });
    world.emulator.resetCalls();
    await expect(wechat.platform.getAccessToken({ refusedToken: current })).rejects.toMatchObject({ code: 'ERR_WECHAT_API', errcode: 45009 });
    expect(platformCalls(world.emulator).stable_token).toBe(2);
  });

  it('a hang at stable_token: one call, everyone answered 503 within the timeout (no 500, no hang), then it recovers', async () => {
    const fast = { timeoutMs: 300, retry: { limit: 0 } };
    const apps = [instance(fast).app, instance(fast).app];
    world.emulator.injectFault('stable_token', 'hang');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(503));
    for (const answer of answers) expect(answer.body).toEqual({ error: 'jssdk_unavailable' });
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 0 });
    expect((await configOf(apps[1]!)).status).toBe(200);
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 2, token: 0, getticket: 1 });
  });

  it('a hang with retries on: the one caller retries, the waiters get its answer', async () => {
    const apps = [instance({ timeoutMs: 300 }).app, instance({ timeoutMs: 300 }).app];
    world.emulator.injectFault('stable_token', 'hang');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 2, token: 0, getticket: 1 });
  });

  it('a /cgi-bin/token caller elsewhere (another system) does not break the shared stable token', async () => {
    const { wechat, app } = instance();
    expect((await configOf(app)).status).toBe(200);
    const token = await wechat.platform.getAccessToken();
    for (let i = 0; i < 3; i++) {
      await fetch(`${world.emulator.apiBaseUrl}/cgi-bin/token?grant_type=client_credential&appid=${world.emulator.defaultApp.appId}&secret=${world.emulator.defaultApp.appSecret}`);
    }
    world.clock.advance(10 * 60_000);
    const check = await fetch(`${world.emulator.apiBaseUrl}/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`);
    expect(((await check.json()) as { errcode: number }).errcode).toBe(0);
  });
});

describe('at rest', () => {
  const KEY = Buffer.alloc(32, 7).toString('base64');

  async function dump(): Promise<string> {
    await world.redis.config('SET', 'rdbcompression', 'no');
    await world.redis.save();
    const [, dir] = (await world.redis.config('GET', 'dir')) as [string, string];
    const [, file] = (await world.redis.config('GET', 'dbfilename')) as [string, string];
    const { readFileSync } = await import('node:fs');
    return readFileSync(`${dir}/${file}`).toString('latin1');
  }

  it('a Redis dump holds neither the app token nor the ticket in plain text (sealed with tokenEncryptionKey)', async () => {
    const { wechat, app } = instance({ tokenEncryptionKey: KEY });
    expect((await configOf(app)).status).toBe(200);
    const [token, ticket] = [await wechat.platform.getAccessToken(), await wechat.platform.getJsapiTicket()];
    const text = await dump();
    expect(text).toContain(':platform}:accessToken'); // the dump is readable: the keys are there
    expect(text).not.toContain(token);
    expect(text).not.toContain(ticket);
    for (const key of await world.redis.keys('*')) {
      const value = (await world.redis.type(key)) === 'string' ? await world.redis.get(key) : JSON.stringify(await world.redis.hgetall(key));
      expect(value).not.toContain(token);
      expect(value).not.toContain(ticket);
    }
    // Another instance with the key reads them without asking WeChat.
    world.emulator.resetCalls();
    expect(await instance({ tokenEncryptionKey: KEY }).wechat.platform.getJsapiTicket()).toBe(ticket);
    expect(platformCalls(world.emulator).getticket).toBe(0);
  });

  it('(the check above can fail) on a store built without a key the dump shows the token', async () => {
    // Without tokenEncryptionKey, the store createWechatLogin builds seals with a key derived from the session
    // secret; a store of your own built without a key stores tokens as they are.
    const { wechat } = instance({ store: createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: 'wol' }) });
    const token = await wechat.platform.getAccessToken();
    expect(await dump()).toContain(token);
  });
});
