import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { WechatLogin } from '../../lib/index.js';
import type { EmulatorEndpoint, EmulatorFault } from '../../lib/testing/index.js';
import { login, pathOf, WECHAT_UA, type Agent, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { HOUR_MS, tokenTestRoutes } from '../tokens/token-helpers.js';
import { expectNoHalfLogins, expectNothingLeaked, setCookies } from './fault-helpers.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

/** One attempt's deadline: a hang costs the suite this per attempt; a slow answer stays well inside it. */
const TIMEOUT_MS = 400;
const SLOW_MS = 100;
const RETRY_LIMIT = 2;
useLoginSuite((suite) => ({ world, wechat, app } = suite), {
  options: { timeoutMs: TIMEOUT_MS, retry: { limit: RETRY_LIMIT, baseDelayMs: 5, maxDelayMs: 20 } },
  routes: tokenTestRoutes,
});

type FailingFault = Exclude<EmulatorFault, 'slow'>;
const FAILING: FailingFault[] = ['busy', 'http500', 'http502', 'garbage', 'hang', 'reset'];
const ALL_ATTEMPTS = 1 + RETRY_LIMIT;

/**
 * Attempts a call makes before it gives up. `retry` retries -1 busy, 5xx, timeouts and resets; a body that is not
 * JSON never. The single-use code is retried only for -1 busy (WeChat answered and did not use it): a 5xx, a
 * timeout or a reset may have consumed it.
 */
function attempts(endpoint: EmulatorEndpoint, fault: FailingFault): number {
  if (fault === 'garbage') return 1;
  if (endpoint === 'access_token') return fault === 'busy' ? ALL_ATTEMPTS : 1;
  return ALL_ATTEMPTS;
}

const json = { Accept: 'application/json' };
const sessionCookieOf = (agent: Agent) => agent.jar.getCookie('wechat.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false });

/** Faults every attempt of the call can meet (more than it makes: the count of calls shows how many it made). */
function injectEveryAttempt(endpoint: EmulatorEndpoint, fault: FailingFault): void {
  world.emulator.injectFault(endpoint, fault, ALL_ATTEMPTS + 1);
}

/** The answer to a login's callback while WeChat is faulty, and the login's parts. */
async function faultedLogin(endpoint: EmulatorEndpoint, fault: FailingFault, returnTo: string) {
  const agent = request.agent(app);
  injectEveryAttempt(endpoint, fault);
  world.emulator.resetCalls();
  const started = Date.now();
  const { callback, callbackUrl } = await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_userinfo', returnTo });
  const elapsedMs = Date.now() - started;
  world.emulator.clearFaults();
  return { agent, callback, code: new URL(callbackUrl).searchParams.get('code')!, elapsedMs };
}

/** Nothing of the login is kept: no session cookie, no session or grant in Redis, the browser anonymous. */
async function expectNotLoggedIn(agent: Agent, callback: request.Response): Promise<void> {
  expect(setCookies(callback)['wechat.sid']).toBeUndefined();
  expect(sessionCookieOf(agent)).toBeUndefined();
  expect((await agent.get('/api/me').set(json)).status).toBe(401);
  await expectNoHalfLogins(world.redis, world);
}

/** The 503 page of a failed callback: try again starts a fresh login that goes where the first one was going. */
async function expectRetryablePage(agent: Agent, callback: request.Response, returnTo: string): Promise<void> {
  expect(callback.status).toBe(503);
  expect(callback.headers['retry-after']).toBe('2');
  expect(callback.headers['cache-control']).toBe('no-store');
  const tryAgain = /<a class="btn" href="([^"]+)">重试<\/a>/.exec(callback.text)?.[1]?.replace(/&amp;/g, '&');
  expect(tryAgain).toBe(`/auth/wechat/login?returnTo=${encodeURIComponent(returnTo)}`);
  const start = await agent.get(tryAgain!).set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  const done = await agent.get(pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
  expect(done.status).toBe(302);
  expect(done.headers.location).toBe(returnTo);
  expect((await agent.get('/api/me').set(json)).status).toBe(200);
  await expectNoHalfLogins(world.redis, world);
}

describe.each(FAILING)('WeChat fault %s', (fault) => {
  it('on the code exchange: a 503 page to try again, nobody half logged in, and trying again logs in', async () => {
    const returnTo = `/profile?after=exchange-${fault}`;
    const { agent, callback, code, elapsedMs } = await faultedLogin('access_token', fault, returnTo);
    expect(world.emulator.calls.access_token).toBe(attempts('access_token', fault));
    expect(world.emulator.calls.userinfo).toBe(0);
    if (fault === 'hang') expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_500);
    expectNothingLeaked(callback, world, code);
    await expectNotLoggedIn(agent, callback);
    await expectRetryablePage(agent, callback, returnTo);
  });

  it('on userinfo at login: a 503 page to try again, nobody half logged in, and trying again logs in', async () => {
    const returnTo = `/profile?after=userinfo-${fault}`;
    const { agent, callback, code, elapsedMs } = await faultedLogin('userinfo', fault, returnTo);
    expect(world.emulator.calls.access_token).toBe(1);
    expect(world.emulator.calls.userinfo).toBe(attempts('userinfo', fault));
    if (fault === 'hang') expect(elapsedMs).toBeLessThan(ALL_ATTEMPTS * TIMEOUT_MS + 1_500);
    expectNothingLeaked(callback, world, code);
    await expectNotLoggedIn(agent, callback);
    await expectRetryablePage(agent, callback, returnTo);
  });

  it("on a logged-in user's userinfo: 503, still logged in with the same cookie, and the next call works", async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_userinfo' });
    const cookie = sessionCookieOf(agent)?.value;
    expect(cookie).toBeTruthy();
    injectEveryAttempt('userinfo', fault);
    world.emulator.resetCalls();
    const res = await agent.get('/api/wechat-profile').set(json);
    world.emulator.clearFaults();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'wechat_unavailable' });
    expect(world.emulator.calls.userinfo).toBe(attempts('userinfo', fault));
    expectNothingLeaked(res, world);
    expect(setCookies(res)['wechat.sid']).toBeUndefined();
    expect(sessionCookieOf(agent)?.value).toBe(cookie);
    await expectNoHalfLogins(world.redis, world);

    const next = await agent.get('/api/wechat-profile').set(json);
    expect(next.status).toBe(200);
    expect(next.body.openid).toBe(world.emulator.openidFor('alice'));
  });

  it('on the refresh: 503 (the user stays logged in, grant alive), and the next guarded request refreshes', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const cookie = sessionCookieOf(agent)?.value;
    expect(cookie).toBeTruthy();
    world.clock.advance(3 * HOUR_MS);
    injectEveryAttempt('refresh_token', fault);
    world.emulator.resetCalls();
    const started = Date.now();
    const res = await agent.get('/api/token').set(json);
    const elapsedMs = Date.now() - started;
    world.emulator.clearFaults();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'wechat_unavailable' });
    expect(res.headers['retry-after']).toBe('2');
    expect(world.emulator.calls.refresh_token).toBe(attempts('refresh_token', fault));
    if (fault === 'hang') expect(elapsedMs).toBeLessThan(ALL_ATTEMPTS * TIMEOUT_MS + 1_500);
    expectNothingLeaked(res, world);
    expect(setCookies(res)['wechat.sid']).toBeUndefined();
    expect(sessionCookieOf(agent)?.value).toBe(cookie);
    const { sessions } = await expectNoHalfLogins(world.redis, world);
    const grantId = (await agent.get('/test/grant').set(json)).body.grantId as string;
    expect(sessions.has(grantId)).toBe(true);
    expect((await wechat.store.grants.status(grantId))?.dead).toBe(false);

    const next = await agent.get('/api/token').set(json);
    expect(next.status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(attempts('refresh_token', fault) + 1);
    expect((await agent.get('/api/token').set(json)).body.token).toBe(next.body.token);
  });
});

describe('a slow WeChat (inside the timeout) is only slow', () => {
  const slow = (endpoint: EmulatorEndpoint) => world.emulator.injectFault(endpoint, 'slow', 1, { delayMs: SLOW_MS });

  it.each<EmulatorEndpoint>(['access_token', 'userinfo'])('a slow %s at login: logged in on the first attempt', async (endpoint) => {
    const agent = request.agent(app);
    slow(endpoint);
    world.emulator.resetCalls();
    const started = Date.now();
    const { callback } = await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_userinfo', returnTo: '/profile' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS);
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/profile');
    expect(world.emulator.calls.access_token).toBe(1);
    expect(world.emulator.calls.userinfo).toBe(1);
    expect((await agent.get('/api/me').set(json)).status).toBe(200);
    await expectNoHalfLogins(world.redis, world);
  });

  it("a slow userinfo for a logged-in user: answered, once", async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_userinfo' });
    slow('userinfo');
    world.emulator.resetCalls();
    const res = await agent.get('/api/wechat-profile').set(json);
    expect(res.status).toBe(200);
    expect(world.emulator.calls.userinfo).toBe(1);
  });

  it('a slow refresh: the guarded request gets the new token, one refresh call', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    world.clock.advance(3 * HOUR_MS);
    slow('refresh_token');
    world.emulator.resetCalls();
    const started = Date.now();
    const res = await agent.get('/api/token').set(json);
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS);
    expect(res.status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(1);
    await expectNoHalfLogins(world.redis, world);
  });
});

describe("the emulator's faults used here", () => {
  const tokenUrl = () =>
    `${world.emulator.apiBaseUrl}/sns/oauth2/access_token?appid=${world.emulator.defaultApp.appId}&secret=x&code=x&grant_type=authorization_code`;

  it("'http502' answers a gateway's HTML page with HTTP 502", async () => {
    world.emulator.injectFault('access_token', 'http502');
    const res = await fetch(tokenUrl());
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('502 Bad Gateway');
  });

  it("'slow' answers normally after delayMs (also set over HTTP)", async () => {
    await fetch(`${world.emulator.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'access_token', fault: 'slow', delayMs: 150 }),
    });
    const started = Date.now();
    const body = (await (await fetch(tokenUrl())).json()) as { errcode: number };
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(body.errcode).toBe(40125); // the emulator's own answer to a wrong secret, only later
  });

  it('refuses a delay that is not a non-negative number', () => {
    expect(() => world.emulator.injectFault('userinfo', 'slow', 1, { delayMs: -1 })).toThrow(/"delayMs"/);
    expect(() => world.emulator.injectFault('userinfo', 'slow', 1, { delayMs: Number.NaN })).toThrow(/"delayMs"/);
  });
});
