import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Express } from 'express';
import { login, pathOf, WECHAT_UA, DESKTOP_UA, type LoginWorld } from '../helpers/login-app.js';
import { DEFAULT_EMULATOR_APP } from '../../lib/testing/index.js';
import { cookieSet, leaksIn, OTHER_APP, useHostileSuite, type HostileSuite } from './helpers/hostile-world.js';
import { rawRequest, type RawAnswer } from './helpers/raw-http.js';

/**
 * Property-based: thousands of generated requests to /login, /callback and the logout page — arbitrary query
 * strings (unicode, raw bytes, arrays, objects, duplicated keys, layers of encoding) and headers (Host,
 * X-Forwarded-*, Cookie, Origin…) — written byte for byte on a socket. Every answer: below 500, no session
 * cookie set, nothing secret, any Location on our origin or WeChat's authorize page. After each run: no session
 * in Redis at all, and the server still serves. A failure prints fast-check's seed and the shrunk request.
 */
let world: LoginWorld;
let suites: Record<string, HostileSuite>;
useHostileSuite((built) => ((suites = built), ({ world } = built.main!)), {
  // publicUrl set, Express's default query parser.
  main: {},
  // No publicUrl behind `trust proxy`: origin, scheme and client address come from headers; qs-style parser.
  proxied: {
    options: { publicUrl: undefined, allowedReturnHosts: ['shop.example.com'] },
    routes: (app) => {
      app.set('trust proxy', true);
      app.set('query parser', 'extended');
    },
  },
  // The default rate limits on, fed arbitrary X-Forwarded-For.
  limited: { options: { rateLimit: {} }, routes: (app) => app.set('trust proxy', true) },
});

const SECRETS = [DEFAULT_EMULATOR_APP.appSecret, OTHER_APP.appSecret, 'test-session-secret-that-is-long-enough-000'];
const NAMES = ['main', 'proxied', 'limited'] as const;
const ports: Record<string, number> = {};
const servers: Server[] = [];

beforeAll(async () => {
  for (const name of NAMES) {
    const server = suites[name]!.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.push(server);
    ports[name] = (server.address() as AddressInfo).port;
  }
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

// ---- generators ----

const HOSTILE_VALUES = [
  '//evil.com', '/\\evil.com', '\\\\evil.com', '/.//evil.com', '/%2e//evil.com', 'https://localhost:3000@evil.com', 'https://evil.com#@localhost:3000',
  'https://еxample.com', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'vbscript:x', '\r\nSet-Cookie: wechat.sid=evil',
  '%0d%0aX-Injected:%201', 'http://localhost:3000//evil.com', 'snsapi_userinfo', 'snsapi_base', '1', '0'.repeat(32), 'a'.repeat(3_000), `/${'a'.repeat(2_040)}`, `/${'%E7%A0%81'.repeat(200)}`,
  '__proto__', 'constructor', '[object Object]', '\u0000', '\uFEFF', '\uD800', '😀', '码',
];
const KEYS = ['code', 'state', 'returnTo', 'scope', 'retry', 'url', 'code[]', 'state[]', 'returnTo[]', 'code[a]', 'state[0]', 'returnTo[x]', '__proto__', '__proto__[code]', 'constructor[prototype][code]', 'code.x', ''];

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(...HOSTILE_VALUES),
  fc.stringMatching(/^[0-9a-f]{32}$/),
);

/**
 * How a value travels in the request target: percent-encoded once or twice, as encodeURI leaves it, "raw" (every
 * printable ASCII character as it is: `%zz`, `&`, `=`, `#`, `[`), or as raw UTF-8 bytes, which Node refuses (400).
 */
type Encoding = 'component' | 'double' | 'uri' | 'raw' | 'bytes';
const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { arbitrary: fc.constant('component' as const), weight: 8 },
  { arbitrary: fc.constantFrom('double' as const, 'uri' as const), weight: 6 },
  { arbitrary: fc.constant('raw' as const), weight: 4 },
  { arbitrary: fc.constant('bytes' as const), weight: 1 },
);
function encode(value: string, how: Encoding): string {
  // A lone surrogate has no UTF-8 form: encodeURIComponent would throw (the generator's problem, not the app's).
  const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (how === 'component') return encodeURIComponent(wellFormed);
  if (how === 'double') return encodeURIComponent(encodeURIComponent(wellFormed));
  if (how === 'uri') return encodeURI(wellFormed);
  if (how === 'raw') return wellFormed.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  // Bytes: all but those that would end the request line.
  return wellFormed.replace(/[\r\n ]/g, (c) => encodeURIComponent(c));
}

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), text), text, encoding), { maxLength: 6 })
  .map((pairs) => pairs.map(([key, value, how]) => `${encode(key, how)}=${encode(value, how)}`).join('&'));

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
/** Header values a parser accepts: printable ASCII, UTF-8, the usual suspects. */
const headerText = fc.oneof(
  { arbitrary: printable, weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  {
    arbitrary: fc.constantFrom('evil.com', 'localhost:3000', '[', 'a b', 'localhost:99999', 'localhost:3000@evil.com', 'evil.com/path?x', 'x'.repeat(4_000), '', '::1', 'null'),
    weight: 2,
  },
);
/** With control characters too, which Node refuses (400) before the app sees them. */
const wildHeaderText = fc.oneof(headerText, fc.string({ unit: 'binary-ascii', maxLength: 30 })).map((value) => value.replace(/[\r\n\u0000]/g, ''));

const forwardedFor = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('unknown', '1.2.3.4, 5.6.7.8', '::ffff:1.2.3.4', 'fe80::1%eth0', '999.1.1.1', ''), headerText);

const cookie = fc
  .array(
    fc.tuple(fc.constantFrom('wechat.sid', 'wechat.sid.login', 'wechat.sid.login.return', 'other'), fc.oneof(headerText, fc.constantFrom('s%3Aabc.def', 's:abc.def', '%E0%A4%A', '"quoted"'))),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([name, value]) => `${name}=${value.replace(/;/g, '')}`).join('; '));

const headersOf = (value: fc.Arbitrary<string>) =>
  fc.record(
    {
      host: value,
      'x-forwarded-host': value,
      'x-forwarded-proto': fc.oneof(fc.constantFrom('https', 'http', 'javascript', 'http, https', 'HTTPS'), value),
      'x-forwarded-for': forwardedFor,
      cookie,
      'user-agent': fc.oneof(fc.constantFrom(WECHAT_UA, DESKTOP_UA), value),
      accept: fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*'), value),
      origin: value,
      referer: value,
      'sec-fetch-site': fc.oneof(fc.constantFrom('same-origin', 'cross-site', 'none'), value),
    },
    { requiredKeys: ['host'] },
  );
const headers = fc.oneof({ arbitrary: headersOf(headerText), weight: 9 }, { arbitrary: headersOf(wildHeaderText), weight: 1 });

const path = fc.constantFrom('/auth/wechat/callback', '/auth/wechat/login', '/auth/wechat/callback/', '/AUTH/WECHAT/LOGIN', '/auth/wechat/logout', '/auth/wechat/qr', '/profile', '/api/me');

const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS');

// ---- invariants ----

/** Where a Location may send a browser: a path of ours, our publicUrl, WeChat's authorize page. */
function allowedLocation(location: string): boolean {
  const relative = new URL(location, 'http://ours.invalid/auth/wechat/callback');
  if (relative.origin === 'http://ours.invalid') return true;
  if (relative.origin === 'http://localhost:3000') return true;
  if (relative.protocol === 'https:' && relative.host === 'shop.example.com') return true;
  return relative.origin === new URL(world.emulator.authorizeBaseUrl).origin && relative.pathname === '/connect/oauth2/authorize';
}

/** `pinned`: the app has publicUrl, so no header may move the callback WeChat is sent back to. */
function violations(answer: RawAnswer, pinned: boolean): string[] {
  const found: string[] = [];
  if (answer.status === 0) found.push('no HTTP answer');
  if (answer.status >= 500) found.push(`status ${answer.status}`);
  // (Clearing one, `wechat.sid=;`, is what a logout does.)
  if ((answer.headers['set-cookie'] ?? []).some((c) => /^wechat\.sid=[^;]/.test(c))) found.push('a session cookie was set');
  if (answer.headers['x-injected']) found.push('an injected header');
  for (const location of answer.headers.location ?? []) {
    if (!allowedLocation(location)) found.push(`Location ${location}`);
    const redirectUri = new URL(location, 'http://ours.invalid').searchParams.get('redirect_uri');
    if (pinned && redirectUri !== null && !redirectUri.startsWith('http://localhost:3000/auth/wechat/callback')) found.push(`redirect_uri ${redirectUri}`);
  }
  for (const leak of leaksIn(`${answer.head}\n${answer.body}`, SECRETS)) found.push(`leaks ${leak}`);
  return found;
}

async function sessionsInRedis(): Promise<number> {
  return (await world.redis.keys('*:sess:*')).length;
}

async function expectStillServing(name: (typeof NAMES)[number]): Promise<void> {
  expect((await rawRequest(ports[name]!, 'GET', '/', [['Host', 'localhost:3000']])).status).toBe(200);
  const me = await rawRequest(ports[name]!, 'GET', '/api/me', [['Host', 'localhost:3000'], ['Accept', 'application/json']]);
  expect(me.status).toBe(401);
}

/** Checks one request's answer; true when the app answered (not Node's parser refusing the bytes with a bare 400). */
async function checkRequest(port: number, method: string, target: string, headerRecord: Partial<Record<string, string>>): Promise<boolean> {
  const list = Object.entries(headerRecord).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const answer = await rawRequest(port, method, target, list);
  const found = violations(answer, port !== ports.proxied);
  if (found.length) throw new Error(`${found.join('; ')}\n--- answer ---\n${answer.head}\n${answer.body.slice(0, 500)}`);
  return answer.headers['x-powered-by'] !== undefined;
}

interface GeneratedRequest {
  port: number;
  method: string;
  target: string;
  headers: Partial<Record<string, string>>;
}

/** Runs `numRuns` generated requests; most must reach the app, or the generator only tests Node's HTTP parser. */
async function assertOverRequests(numRuns: number, requests: fc.Arbitrary<GeneratedRequest>): Promise<void> {
  let reachedApp = 0;
  await fc.assert(
    fc.asyncProperty(requests, async ({ port, method, target, headers }) => {
      if (await checkRequest(port, method, target, headers)) reachedApp++;
    }),
    { numRuns },
  );
  expect(reachedApp).toBeGreaterThan(numRuns / 2);
}

// numRuns per property: about 3,800 generated requests in all, well under 20 s on two busy cores.
describe('property: no generated request to our routes breaks an invariant', () => {
  it.each(NAMES)('%s app: arbitrary query strings and headers on our routes and a guarded page (1,000 runs)', async (name) => {
    const before = await sessionsInRedis();
    const requests = fc
      .record({ method, p: path, q: query, headers })
      .map(({ method, p, q, headers }) => ({ port: ports[name]!, method, target: q ? `${p}?${q}` : p, headers }));
    await assertOverRequests(1_000, requests);
    expect(await sessionsInRedis()).toBe(before);
    await expectStillServing(name);
  });

  it('callback with arbitrary code and state, and only a Host header (500 runs)', async () => {
    const requests = fc.record({ code: text, state: text, how: encoding }).map(({ code, state, how }) => ({
      port: ports.main!,
      method: 'GET',
      target: `/auth/wechat/callback?code=${encode(code, how)}&state=${encode(state, how)}`,
      headers: { host: 'localhost:3000' },
    }));
    await assertOverRequests(500, requests);
  });

  it('a real started login, its code or state perturbed: never logged in unless both are exactly what WeChat sent (300 runs)', async () => {
    const app = suites.main!.app;
    const perturb = fc.oneof(
      fc.record({ code: fc.constant(undefined), state: text }),
      fc.record({ code: text, state: fc.constant(undefined) }),
      fc.record({ code: text, state: text }),
    );
    await fc.assert(
      fc.asyncProperty(perturb, encoding, async ({ code, state }, how) => {
        const agent = request.agent(app);
        const start = await agent.get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
        const callback = new URL(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
        const realCode = callback.searchParams.get('code')!;
        const realState = callback.searchParams.get('state')!;
        if ((code ?? realCode) === realCode && (state ?? realState) === realState) return;
        const target = `${callback.pathname}?code=${code === undefined ? realCode : encode(code, how)}&state=${state === undefined ? realState : encode(state, how)}`;
        const res = await agent.get(target);
        expect(res.status).toBeLessThan(500);
        expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => c.startsWith('wechat.sid='))).toBe(false);
        expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
      }),
      { numRuns: 300 },
    );
    // Control: the same steps, unperturbed, do log in (so the property could fail).
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    expect((await agent.get(pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' })))).status).toBe(302);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it('a logged-in browser sending arbitrary requests to our routes stays logged in as itself (300 runs)', async () => {
    const agent = request.agent(suites.main!.app);
    const session = cookieSet((await login(agent, world.emulator, { user: 'alice' })).callback, 'wechat.sid')!;
    const openid = world.emulator.openidFor('alice');
    const me = () => rawRequest(ports.main!, 'GET', '/api/me', [['Host', 'localhost:3000'], ['Accept', 'application/json'], ['Cookie', session]]);
    expect((await me()).body).toContain(openid);
    const readOnlyPath = fc.constantFrom('/auth/wechat/callback', '/auth/wechat/login', '/auth/wechat/logout', '/auth/wechat/qr', '/profile');
    await fc.assert(
      fc.asyncProperty(readOnlyPath, query, headers, async (p, q, h) => {
        // Our session cookie first (the one a server reads), whatever the generator adds after it.
        await checkRequest(ports.main!, 'GET', q ? `${p}?${q}` : p, { ...h, cookie: [session, h.cookie].filter(Boolean).join('; ') });
        const after = await me();
        if (after.status !== 200 || !after.body.includes(openid)) throw new Error(`the session was lost: /api/me answered ${after.status}`);
      }),
      { numRuns: 300 },
    );
  });
});
