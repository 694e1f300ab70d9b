import { describe, expect, it } from '@jest/globals';
import session from 'express-session';
import request from 'supertest';
import { RedisStore } from 'connect-redis';
import { createMemoryStore, createRedisStore, createWechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

const HOUR_MS = 3600_000;

describe('options are resolved once into defaults: an explicit undefined means "the default"', () => {
  let world: LoginWorld;
  let app: import('express').Express;
  useLoginSuite((suite) => ({ world, app } = suite), {
    options: { retry: { limit: undefined, baseDelayMs: undefined, maxDelayMs: undefined }, timeoutMs: undefined },
  });

  it('refreshes an expired token with retry: { limit: undefined } (no NaN lock TTL)', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const first = await agent.get('/api/token').set('Accept', 'application/json');
    expect(first.status).toBe(200);
    world.clock.advance(3 * HOUR_MS);
    const refreshes = world.emulator.calls.refresh_token;
    const second = await agent.get('/api/token').set('Accept', 'application/json');
    expect(second.status).toBe(200);
    expect(second.body.token).not.toBe(first.body.token);
    expect(world.emulator.calls.refresh_token).toBe(refreshes + 1);
  });
});

describe('routes.prefix', () => {
  let world: LoginWorld;
  let app: import('express').Express;
  useLoginSuite((suite) => ({ world, app } = suite), { options: { routes: { prefix: '/' } } });

  it("'/' mounts the routes at the root: the guard sends WeChat to /login, WeChat calls back /callback", async () => {
    const guarded = await request(app).get('/profile').set('User-Agent', WECHAT_UA);
    expect(guarded.status).toBe(302);
    expect(guarded.headers.location).toBe('/login?returnTo=%2Fprofile');

    const start = await request(app).get('/login').set('User-Agent', WECHAT_UA);
    const redirectUri = new URL(start.headers.location as string).searchParams.get('redirect_uri');
    expect(redirectUri).toBe('http://localhost:3000/callback');
    const loginCookie = ([] as string[]).concat(start.headers['set-cookie']).find((c) => c.startsWith('wechat.sid.login='));
    expect(loginCookie).toMatch(/Path=\/;/);

    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { prefix: '', returnTo: '/api/me' });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/api/me');
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it.each([
    ['auth', /must be a path starting with "\/"/],
    ['/a//b', /no "\/\/"/],
    ['/auth/../wechat', /"\." or "\.\." segments/],
    ['/auth/./wechat', /"\." or "\.\." segments/],
    ['/auth?x=1', /must be a path starting with "\/"/],
  ])('refuses %j with a message that says why', (prefix, message) => {
    expect(() => createWechatLogin(loginOptions(world, { routes: { prefix } }), { warn: () => undefined })).toThrow(message);
  });

  it('normalises a trailing slash', async () => {
    const wechat = createWechatLogin(loginOptions(world, { routes: { prefix: '/sign-in/' } }), { warn: () => undefined });
    const res = await request(buildApp(wechat)).get('/profile').set('User-Agent', WECHAT_UA);
    expect(res.headers.location).toBe('/sign-in/login?returnTo=%2Fprofile');
    await wechat.close();
  });
});

describe('where sessions live with a custom store', () => {
  let world: LoginWorld;
  useLoginSuite((suite) => ({ world } = suite));

  it('refuses a custom store without redis (sessions would silently stay in process memory)', () => {
    const store = createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: 'custom' });
    const { redis: _redis, ...options } = loginOptions(world);
    expect(() => createWechatLogin({ ...options, store }, { warn: () => undefined })).toThrow(
      /a custom "store" without "redis" would keep sessions in process memory: pass "redis".*"session\.store"/,
    );
  });

  it('keeps sessions in session.store when given', async () => {
    const store = createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: 'custom' });
    const sessionStore = new RedisStore({ client: world.redis, prefix: 'app-sessions:' });
    const { redis: _redis, ...options } = loginOptions(world);
    const wechat = createWechatLogin({ ...options, store, session: { secret: 'x'.repeat(40), store: sessionStore } }, { warn: () => undefined });
    const agent = request.agent(buildApp(wechat));
    const { callback } = await login(agent, world.emulator, { returnTo: '/api/me' });
    expect(callback.status).toBe(302);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
    expect(await world.redis.keys('app-sessions:*')).toHaveLength(1);
    await wechat.close();
  });

  it('refuses a session.store that is not an express-session Store', () => {
    const store = createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: 'custom' });
    const { redis: _redis, ...options } = loginOptions(world);
    const bogus = {} as session.Store;
    expect(() => createWechatLogin({ ...options, store, session: { secret: 'x'.repeat(40), store: bogus } }, { warn: () => undefined })).toThrow(
      /"session\.store" must be an express-session Store/,
    );
  });

  it('lets the memory demo store keep sessions in MemoryStore, with a warning that says so', () => {
    const warnings: string[] = [];
    const { redis: _redis, ...options } = loginOptions(world);
    createWechatLogin({ ...options, store: createMemoryStore() }, { warn: (m) => void warnings.push(m) });
    expect(warnings.filter((w) => /in-memory store and sessions are kept in express-session's MemoryStore/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /memory/i.test(w))).toHaveLength(1);
  });
});
