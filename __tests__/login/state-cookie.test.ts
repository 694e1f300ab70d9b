import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { MAX_TOTAL_BYTES } from '../../lib/login/state-cookie.js';
import { buildApp, loginOptions, pathOf, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useRedisMonitor } from '../helpers/redis-monitor.js';

/**
 * The started login rides in the browser: one sealed cookie per state (`wechat.sid.login.<nonce>`), checked with
 * the browser's binder before the store is touched; its single use is a used mark written at the callback.
 */

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;
const others: WechatLogin[] = [];
const json = { Accept: 'application/json' };

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world), { warn: () => undefined });
  app = buildApp(wechat);
});
afterAll(async () => {
  await Promise.all([wechat, ...others].map((w) => w.close()));
  await world.stop();
});
const monitor = useRedisMonitor(() => world.redisServer.port, () => world.redis.ping());

function appWith(overrides: Partial<WechatLoginOptions>): Express {
  const other = createWechatLogin(loginOptions(world, overrides), { warn: () => undefined });
  others.push(other);
  return buildApp(other);
}

const setCookies = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const nonceOf = (start: request.Response) => new URL(start.headers.location as string).searchParams.get('state')!;
const cookiePairs = (res: request.Response) => setCookies(res).map((c) => c.split(';')[0]!);
const keys = () => createKeys('wol', world.emulator.defaultApp.appId);

async function started(target: Express = app, returnTo = '/api/me') {
  const start = await request(target).get(`/auth/wechat/login?returnTo=${encodeURIComponent(returnTo)}`).set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  const nonce = nonceOf(start);
  const state = cookiePairs(start).find((c) => c.startsWith(`wechat.sid.login.${nonce}=`))!;
  const binder = cookiePairs(start).find((c) => c.startsWith('wechat.sid.login='))!;
  const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
  return { start, nonce, state, binder, callbackPath };
}

describe("another browser cannot spoil a victim's login (issue 18, item 5)", () => {
  it("a victim's callback opened first in a browser without its cookies: 403, nothing written to Redis, and the victim's own callback then logs in", async () => {
    const victim = await started();
    await monitor.settle();
    monitor.reset();
    // A browser with no cookie of ours, and one with its own binder (another login started there).
    const attacker = await started();
    await monitor.settle();
    monitor.reset();
    const bare = await request(app).get(victim.callbackPath).set('User-Agent', WECHAT_UA);
    const withOwnBinder = await request(app).get(victim.callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', `${attacker.binder}; ${attacker.state}`);
    // The victim's state cookie without the victim's binder (copied, say): the binder refuses it.
    const stolenState = await request(app).get(victim.callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', `${attacker.binder}; ${victim.state}`);
    for (const res of [bare, withOwnBinder, stolenState]) {
      expect(res.status).toBe(403);
      expect(setCookies(res).some((c) => c.startsWith('wechat.sid='))).toBe(false);
    }
    await monitor.settle();
    // The state is not used up: what they touch is the address's count of bad callbacks, and a read of a code
    // outcome for the browser that has a binder of its own.
    const touched = monitor.seen.filter(({ args }) => !/^eval(sha)?$/i.test(args[0]!)).map(({ args }) => `${args[0]!.toUpperCase()} ${args[1]}`);
    expect(touched.length).toBeGreaterThan(0);
    for (const command of touched) expect(command).toMatch(/:rl:\{bad-callback:127\.0\.0\.1\}$|^GET .*:code:\{/);
    expect(await world.redis.exists(keys().stateUsed(victim.nonce))).toBe(0);

    const own = await request(app).get(victim.callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', `${victim.binder}; ${victim.state}`);
    expect(own.status).toBe(302);
    expect(own.headers.location).toBe('/api/me');
    const sid = cookiePairs(own).find((c) => c.startsWith('wechat.sid='))!;
    expect((await request(app).get('/api/me').set(json).set('Cookie', sid)).status).toBe(200);
  });
});

describe('single use without a stored state', () => {
  it("the callback marks the state used for the state's remaining life, and that is all it stores of it", async () => {
    const login = await started();
    const res = await request(app).get(login.callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', `${login.binder}; ${login.state}`);
    expect(res.status).toBe(302);
    const ttl = await world.redis.pttl(keys().stateUsed(login.nonce));
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(11 * 60_000);
    // Its cookie goes with the completed login.
    expect(setCookies(res).find((c) => c.startsWith(`wechat.sid.login.${login.nonce}=`))).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('a used state brought back with its cookie and another code: 403, no second exchange', async () => {
    const login = await started();
    const cookies = `${login.binder}; ${login.state}`;
    expect((await request(app).get(login.callbackPath).set('Cookie', cookies)).status).toBe(302);
    const replay = new URL(login.callbackPath, 'http://x');
    replay.searchParams.set('code', randomBytes(16).toString('hex'));
    const exchanges = world.emulator.calls.access_token;
    const res = await request(app).get(replay.pathname + replay.search).set('Cookie', cookies);
    expect(res.status).toBe(403);
    expect(world.emulator.calls.access_token).toBe(exchanges);
    // Where the login was going is still known: the page restarts it there.
    expect(res.text).toContain('/auth/wechat/login?returnTo=%2Fapi%2Fme&amp;retry=1');
  });

  it("WeChat's double hit (the same callback twice, with the cookie) lands logged in both times, one exchange", async () => {
    const login = await started();
    const cookies = `${login.binder}; ${login.state}`;
    const exchanges = world.emulator.calls.access_token;
    const [a, b] = await Promise.all([request(app).get(login.callbackPath).set('Cookie', cookies), request(app).get(login.callbackPath).set('Cookie', cookies)]);
    expect([a.status, b.status, a.headers.location, b.headers.location]).toEqual([302, 302, '/api/me', '/api/me']);
    expect(world.emulator.calls.access_token).toBe(exchanges + 1);
  });
});

describe('the state cookie', () => {
  it('is sealed: returnTo cannot be read, and a cookie altered or moved to another nonce is refused', async () => {
    const first = await started(app, '/private?q=secret-value');
    const second = await started();
    const value = first.state.split('=')[1]!;
    expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain('secret-value');
    const flipped = `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`;
    for (const cookie of [`wechat.sid.login.${first.nonce}=${flipped}`, `wechat.sid.login.${second.nonce}=${value}`]) {
      const target = cookie.includes(first.nonce) ? first : second;
      const res = await request(app).get(target.callbackPath).set('Cookie', `${first.binder}; ${cookie}`);
      expect(res.status).toBe(403);
    }
  });

  it('a browser holds at most openLoginsPerBrowser (10) of them: the 11th login drops the oldest, whose callback then restarts', async () => {
    const agent = request.agent(app);
    const starts: request.Response[] = [];
    for (let i = 0; i < 11; i++) starts.push(await agent.get(`/auth/wechat/login?returnTo=/tab/${i}`).set('User-Agent', WECHAT_UA));
    const last = starts[10]!;
    expect(setCookies(last).find((c) => c.startsWith(`wechat.sid.login.${nonceOf(starts[0]!)}=`))).toMatch(/Expires=Thu, 01 Jan 1970/);
    const oldest = await agent.get(pathOf(world.emulator.authorize(starts[0]!.headers.location as string, { user: 'alice' })));
    expect(oldest.status).toBe(403);
    // The other ten (tabs) each complete.
    const second = await agent.get(pathOf(world.emulator.authorize(starts[1]!.headers.location as string, { user: 'alice' })));
    expect([second.status, second.headers.location]).toEqual([302, '/tab/1']);
  });

  it(`long returnTos: the browser's state cookies stay under ${MAX_TOTAL_BYTES} bytes, the newest always kept`, async () => {
    const agent = request.agent(app);
    let last: request.Response | undefined;
    for (let i = 0; i < 10; i++) last = await agent.get(`/auth/wechat/login?returnTo=${encodeURIComponent(`/long/${i}?${'q'.repeat(1900)}`)}`).set('User-Agent', WECHAT_UA);
    const jar = (agent as unknown as { jar: { getCookies(a: object): { name: string; value: string }[] } }).jar;
    const held = jar.getCookies({ domain: '127.0.0.1', path: '/auth/wechat', secure: false, script: false }).filter((c) => /^wechat\.sid\.login\.[0-9a-f]{32}$/.test(c.name));
    expect(held.reduce((n, c) => n + c.name.length + c.value.length, 0)).toBeLessThanOrEqual(MAX_TOTAL_BYTES);
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(held.map((c) => c.name)).toContain(`wechat.sid.login.${nonceOf(last!)}`);
    const done = await agent.get(pathOf(world.emulator.authorize(last!.headers.location as string, { user: 'alice' })));
    expect(done.status).toBe(302);
  });

  it('is sealed with the session secret: a rotation list still opens cookies of the previous secret; a deployment without it refuses them', async () => {
    const before = appWith({ session: { secret: 'the-old-session-secret-long-enough-0000' } });
    const rotated = appWith({ session: { secret: ['the-new-session-secret-long-enough-0000', 'the-old-session-secret-long-enough-0000'] } });
    const forgotten = appWith({ session: { secret: 'the-new-session-secret-long-enough-0000' } });
    const one = await started(before);
    expect((await request(forgotten).get(one.callbackPath).set('Cookie', `${one.binder}; ${one.state}`)).status).toBe(403);
    const res = await request(rotated).get(one.callbackPath).set('Cookie', `${one.binder}; ${one.state}`);
    expect([res.status, res.headers.location]).toEqual([302, '/api/me']);
  });
});
