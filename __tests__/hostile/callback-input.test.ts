import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Express } from 'express';
import { DESKTOP_UA, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { send } from '../helpers/http-browser.js';
import { DEFAULT_EMULATOR_APP } from '../../lib/testing/index.js';
import { cookieSet, expectNoLeak, expectNobodyLoggedIn, OTHER_APP, useHostileSuite, type HostileSuite } from './helpers/hostile-world.js';

/**
 * WeChat's redirect back is a URL anyone can type. Whatever its code and state: a short 4xx (or the one
 * restart of a login whose code WeChat refused), nobody logged in, the server still serving, nothing secret in
 * the answer.
 */
const SHORT_TTL_MS = 60_000;
let world: LoginWorld;
let suites: Record<string, HostileSuite>;
let app: Express;
useHostileSuite((built) => ((suites = built), ({ world, app } = built.main!)), {
  main: {},
  // Apps may switch Express to the qs parser: code[]= and code[a]= then arrive as arrays and objects.
  extended: { routes: (app) => app.set('query parser', 'extended') },
  shortTtl: { options: { loginTimeoutMs: SHORT_TTL_MS } },
  // Without publicUrl: our origin is whatever the Host header says.
  fromHost: { options: { publicUrl: undefined } },
});

const SECRETS = [DEFAULT_EMULATOR_APP.appSecret, OTHER_APP.appSecret];
const CALLBACK = '/auth/wechat/callback';

interface StartedLogin {
  agent: ReturnType<typeof request.agent>;
  /** The callback URL WeChat would send the browser to (path and query). */
  callbackPath: string;
  code: string;
  state: string;
}

/** A browser that started a login and got WeChat's answer, not yet delivered to our callback. */
async function startedLogin(target: Express = app, user = 'alice', authorizeAs?: (url: URL) => void): Promise<StartedLogin> {
  const agent = request.agent(target);
  const start = await agent.get('/auth/wechat/login?returnTo=%2Fprofile').set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.location as string);
  authorizeAs?.(authorizeUrl);
  const callbackPath = pathOf(world.emulator.authorize(authorizeUrl.href, { user }));
  const query = new URL(callbackPath, 'http://x').searchParams;
  return { agent, callbackPath, code: query.get('code')!, state: query.get('state')! };
}

/** A clear refusal: 4xx, or the one automatic restart of a login whose code WeChat refused (our /login?retry=1). */
function expectRefused(res: request.Response): void {
  if (res.status === 302) {
    const location = new URL(res.headers.location as string, 'http://localhost:3000');
    expect(location.origin).toBe('http://localhost:3000');
    expect(location.pathname).toBe('/auth/wechat/login');
    expect(location.searchParams.get('retry')).toBe('1');
  } else {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  }
  expect(cookieSet(res, 'wechat.sid')).toBeUndefined();
  expectNoLeak(res, SECRETS);
}

async function expectAgentAnonymous(agent: StartedLogin['agent']): Promise<void> {
  expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
}

const q = encodeURIComponent;

describe('the callback refuses malformed code and state', () => {
  /** [case, query built from a started login's code and state]. */
  const CASES: [string, (code: string, state: string) => string][] = [
    ['no query at all', () => ''],
    ['empty code and state', () => 'code=&state='],
    ['a code and no state', (code) => `code=${code}`],
    ['a code and an empty state', (code) => `code=${code}&state=`],
    ['a state and an empty code', (_code, state) => `code=&state=${state}`],
    ['a state and no code', (_code, state) => `state=${state}`],
    ['code given twice', (code, state) => `code=${code}&code=${code}&state=${state}`],
    ['two different codes', (code, state) => `code=${code}&code=other&state=${state}`],
    ['state given twice', (code, state) => `code=${code}&state=${state}&state=${state}`],
    ['code[]= (array)', (code, state) => `code[]=${code}&state=${state}`],
    ['state[]= (array)', (code, state) => `code=${code}&state[]=${state}`],
    ['code[a]= (object)', (code, state) => `code[a]=${code}&state=${state}`],
    ['state[a]= (object)', (code, state) => `code=${code}&state[a]=${state}`],
    ['a unicode code', (_code, state) => `code=${q('码😀\u202e')}&state=${state}`],
    ['a NUL code', (_code, state) => `code=%00&state=${state}`],
    ['a NUL inside the code', (code, state) => `code=${code}%00&state=${state}`],
    ['a CRLF inside the code', (code, state) => `code=${code}%0d%0aX-Evil:%201&state=${state}`],
    ['a unicode state', (code) => `code=${code}&state=${q('状态😀')}`],
    ['a NUL state', (code) => `code=${code}&state=%00`],
    ['a NUL after the state', (code, state) => `code=${code}&state=${state}%00`],
    ['a space after the state', (code, state) => `code=${code}&state=${state}%20`],
    ['the state in upper case', (code, state) => `code=${code}&state=${state.toUpperCase()}`],
    ['the state cut short', (code, state) => `code=${code}&state=${state.slice(0, -1)}`],
    ['the state with one more character', (code, state) => `code=${code}&state=${state}0`],
    ['a state that was never issued', (code) => `code=${code}&state=${'0'.repeat(32)}`],
    ['a 12 KB code', (_code, state) => `code=${'c'.repeat(12_000)}&state=${state}`],
    ['a 12 KB state', (code) => `code=${code}&state=${'a'.repeat(12_000)}`],
    ['a code of HTML', (_code, state) => `code=${q('<script>alert(1)</script>')}&state=${state}`],
    ['a code with %-escapes that do not decode', (_code, state) => `code=%E0%A4%A&state=${state}`],
  ];

  for (const parser of ['main', 'extended'] as const) {
    it.each(CASES)(`${parser} query parser: %s → refused, nobody logged in`, async (_name, build) => {
      const target = suites[parser]!.app;
      const login = await startedLogin(target);
      const res = await login.agent.get(`${CALLBACK}?${build(login.code, login.state)}`).set('User-Agent', WECHAT_UA);
      expectRefused(res);
      await expectAgentAnonymous(login.agent);
      await expectNobodyLoggedIn(target, res);
    });
  }

  it('after a refused malformed callback the untouched login still completes (the code was not burned by a bad state)', async () => {
    const login = await startedLogin();
    expectRefused(await login.agent.get(`${CALLBACK}?code=${login.code}&state=${login.state}%00`));
    const res = await login.agent.get(login.callbackPath);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/profile');
    expect((await login.agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it('a refused code in a login that already restarted once ends in a 4xx page, not another restart', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?retry=1').set('User-Agent', WECHAT_UA);
    const callback = new URL(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
    expect(callback.searchParams.get('retry')).toBe('1');
    callback.searchParams.set('code', 'forged-code');
    const res = await agent.get(pathOf(callback.href));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectNoLeak(res, SECRETS);
    await expectAgentAnonymous(agent);
  });
});

describe('oversized callbacks are refused before they reach the app, and the server keeps serving', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['a 100 KB code', `code=${'c'.repeat(100_000)}&state=${'0'.repeat(32)}`, {}],
    ['a 100 KB state', `code=abc&state=${'s'.repeat(100_000)}`, {}],
    ['a 100 KB unicode code', `code=${'%E7%A0%81'.repeat(12_000)}`, {}],
    ['a 100 KB Cookie header', 'code=abc&state=def', { cookie: `wechat.sid=${'x'.repeat(100_000)}` }],
  ])('%s → 4xx (431/414), then the next request is served', async (_name, query, headers) => {
    const res = await send('GET', `${base}${CALLBACK}?${query}`, headers as Record<string, string>);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['set-cookie']).toBeUndefined();
    expectNoLeak({ text: res.body, headers: res.headers }, SECRETS);
    expect((await send('GET', `${base}/`)).status).toBe(200);
    expect((await send('GET', `${base}/api/me`, { accept: 'application/json' })).status).toBe(401);
  });
});

describe('an address too long for a QR code (the "open in WeChat" pages outside WeChat)', () => {
  const desktop = (req: request.Test) => req.set('User-Agent', DESKTOP_UA).set('Accept', 'text/html');
  const HUGE_HOST = `${'h'.repeat(4_000)}.example`;

  it('the QR page of a 2 KB unicode path (6 KB encoded): 200, the QR code of our home page instead', async () => {
    const res = await desktop(request(app).get(`/auth/wechat/qr?url=${q(`/${'码'.repeat(680)}`)}`));
    expect(res.status).toBe(200);
    expect(/data-url="([^"]*)"/.exec(res.text)?.[1]).toBe('http://localhost:3000/');
    expectNoLeak(res, SECRETS);
  });

  it('a guarded page with a 3 KB query: its sign-in page, below 500', async () => {
    const res = await desktop(request(app).get(`/profile?q=${'a'.repeat(3_000)}`));
    expect(res.status).toBe(401);
    expectNoLeak(res, SECRETS);
  });

  it.each([
    ['the QR page', '/auth/wechat/qr?url=%2Fprofile'],
    ['a guarded page (scan to sign in)', '/profile'],
  ])('%s behind a 4 KB Host header (no publicUrl): 400, no stack', async (_name, path) => {
    const res = await desktop(request(suites.fromHost!.app).get(path).set('Host', HUGE_HOST));
    expect(res.status).toBe(400);
    expectNoLeak(res, SECRETS);
  });
});

describe('states that are not this browser’s, or not any more', () => {
  it('a state from another browser (its own login cookie): 403, neither browser logged in', async () => {
    const victim = await startedLogin();
    const attacker = await startedLogin(app, 'bob');
    const res = await attacker.agent.get(victim.callbackPath);
    expect(res.status).toBe(403);
    expectRefused(res);
    await expectAgentAnonymous(attacker.agent);
    await expectAgentAnonymous(victim.agent);
  });

  it('a state from another browser, delivered with no login cookie at all: 403, nobody logged in', async () => {
    const victim = await startedLogin();
    const res = await request(app).get(victim.callbackPath);
    expect(res.status).toBe(403);
    expectRefused(res);
    await expectNobodyLoggedIn(app, res);
  });

  it('a state from another browser, with a forged login cookie: 403', async () => {
    const victim = await startedLogin();
    const res = await request(app).get(victim.callbackPath).set('Cookie', 'wechat.sid.login=forged-binder-value');
    expect(res.status).toBe(403);
    await expectNobodyLoggedIn(app, res);
  });

  it('a completed login replayed by another browser: 403, the other browser is not logged in as the victim', async () => {
    const victim = await startedLogin();
    expect((await victim.agent.get(victim.callbackPath)).status).toBe(302);
    const attacker = await startedLogin(app, 'bob');
    const res = await attacker.agent.get(victim.callbackPath);
    expect(res.status).toBe(403);
    expectRefused(res);
    await expectAgentAnonymous(attacker.agent);
    expect((await victim.agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it('a used state with another fresh code: refused, and that code is not spent (WeChat not asked)', async () => {
    const first = await startedLogin();
    expect((await first.agent.get(first.callbackPath)).status).toBe(302);
    const other = await startedLogin(app, 'bob');
    world.emulator.resetCalls();
    const res = await first.agent.get(`${CALLBACK}?code=${other.code}&state=${first.state}`);
    expect(res.status).toBe(403);
    expect(world.emulator.calls.access_token).toBe(0);
    // The browser stays who it was (alice), not bob.
    const me = await first.agent.get('/api/me').set('Accept', 'application/json');
    expect(me.body.user.openid).toBe(world.emulator.openidFor('alice'));
    // Bob's own browser can still use its code.
    expect((await other.agent.get(other.callbackPath)).status).toBe(302);
  });

  it('a state used by a declined callback cannot be reused with a code: 403', async () => {
    const login = await startedLogin();
    expect((await login.agent.get(`${CALLBACK}?state=${login.state}`)).status).toBe(403);
    const res = await login.agent.get(login.callbackPath);
    expectRefused(res);
    await expectAgentAnonymous(login.agent);
  });

  it('a state past its TTL (loginTimeoutMs, by the injected clock): 403, nobody logged in', async () => {
    const shortTtl = suites.shortTtl!.app;
    const login = await startedLogin(shortTtl);
    world.clock.advance(SHORT_TTL_MS + 1);
    const res = await login.agent.get(login.callbackPath);
    expect(res.status).toBe(403);
    expectRefused(res);
    await expectAgentAnonymous(login.agent);
  });

  it('control: the same login just inside its TTL completes', async () => {
    const shortTtl = suites.shortTtl!.app;
    const login = await startedLogin(shortTtl);
    world.clock.advance(SHORT_TTL_MS - 1_000);
    expect((await login.agent.get(login.callbackPath)).status).toBe(302);
    expect((await login.agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });
});

describe('a code WeChat issued for another app', () => {
  const forOtherApp = (url: URL) => url.searchParams.set('appid', OTHER_APP.appId);

  it('with our valid state: WeChat refuses it to us; the login restarts once, nobody logged in', async () => {
    const login = await startedLogin(app, 'alice', forOtherApp);
    const res = await login.agent.get(login.callbackPath);
    expectRefused(res);
    expect(res.status).toBe(302);
    await expectAgentAnonymous(login.agent);
    await expectNobodyLoggedIn(app, res);
  });

  it('on the restarted login: a 4xx page, nobody logged in', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?retry=1').set('User-Agent', WECHAT_UA);
    const authorizeUrl = new URL(start.headers.location as string);
    forOtherApp(authorizeUrl);
    const res = await agent.get(pathOf(world.emulator.authorize(authorizeUrl.href, { user: 'alice' })));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectRefused(res);
    await expectAgentAnonymous(agent);
  });
});
