import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createMemoryStore, createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, pathOf, WECHAT_UA, type Agent, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { setCookies } from './fault-helpers.js';

let world: LoginWorld;
let app: Express;
useLoginSuite((suite) => ({ world, app } = suite), { options: { allowedReturnHosts: ['partner.example'] } });

const LOGIN_TIMEOUT_MS = 10 * 60_000;
const json = { Accept: 'application/json' };

/** Starts a login and lets WeChat answer, without following the callback yet. */
async function startLogin(agent: Agent, query: string): Promise<{ start: request.Response; callbackPath: string; nonce: string }> {
  const start = await agent.get(`/auth/wechat/login?${query}`).set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  const nonce = new URL(start.headers.location as string).searchParams.get('state')!;
  const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
  return { start, callbackPath, nonce };
}

/** The fresh login a stale callback's page starts by itself (its meta refresh). */
function restartOf(res: request.Response): string {
  expect(res.status).toBe(403);
  const url = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(res.text)?.[1];
  expect(url).toBeDefined();
  return url!.replace(/&amp;/g, '&');
}

/** Follows a restarted login through WeChat to our callback: where the user lands. */
async function followRestart(agent: Agent, restart: string, target: Express = app): Promise<request.Response> {
  const start = await agent.get(restart).set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
  expect(callbackPath).toContain('retry=1');
  const done = await request.agent(target).get(callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', cookieHeader(agent));
  expect(done.status).toBe(302);
  return done;
}

function cookieHeader(agent: Agent): string {
  const jar = (agent as unknown as { jar: { getCookies(a: object): { name: string; value: string }[] } }).jar;
  return jar.getCookies({ domain: '127.0.0.1', path: '/auth/wechat', secure: false, script: false }).map((c) => `${c.name}=${c.value}`).join('; ');
}

/**
 * The browser no longer holds the state's cookie (its Max-Age passed, the browser dropped it): only the login
 * cookie's remembered copy is left to say where the login was going.
 */
function dropStateCookie(agent: Agent, nonce: string): void {
  const jar = (agent as unknown as { jar: { setCookie(cookie: string, domain: string, path: string): unknown } }).jar;
  jar.setCookie(`wechat.sid.login.${nonce}=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/auth/wechat`, '127.0.0.1', '/auth/wechat');
  expect(cookieHeader(agent)).not.toContain(`wechat.sid.login.${nonce}=`);
}

describe("a stale callback's fresh login goes where the first one was going", () => {
  it('after the state expired: the restarted login lands on the original returnTo, logged in', async () => {
    const agent = request.agent(app);
    const { callbackPath } = await startLogin(agent, `returnTo=${encodeURIComponent('/profile?tab=2#top')}`);
    world.clock.advance(LOGIN_TIMEOUT_MS + 1);
    const stale = await agent.get(callbackPath).set('User-Agent', WECHAT_UA);
    const restart = restartOf(stale);
    expect(restart).toBe(`/auth/wechat/login?returnTo=${encodeURIComponent('/profile?tab=2#top')}&retry=1`);
    const done = await followRestart(agent, restart);
    expect(done.headers.location).toBe('/profile?tab=2#top');
  });

  it("after the browser dropped the state's cookie: the same, from the login cookie's copy, and the scope is kept", async () => {
    const agent = request.agent(app);
    const { callbackPath, nonce } = await startLogin(agent, 'returnTo=/api/me&scope=snsapi_base');
    dropStateCookie(agent, nonce);
    const restart = restartOf(await agent.get(callbackPath).set('User-Agent', WECHAT_UA));
    expect(restart).toBe('/auth/wechat/login?returnTo=%2Fapi%2Fme&scope=snsapi_base&retry=1');
    const start = await agent.get(restart).set('User-Agent', WECHAT_UA);
    expect(start.headers.location).toContain('scope=snsapi_base');
  });

  it("the browser's copy is signed, httpOnly, scoped to our routes, and kept a day past the login timeout", async () => {
    const { start } = await startLogin(request.agent(app), 'returnTo=/profile');
    const raw = ([] as string[]).concat(start.headers['set-cookie']).find((c) => c.startsWith('wechat.sid.login.return='))!;
    expect(raw).toMatch(/; Max-Age=87000;/);
    expect(raw).toMatch(/; Path=\/auth\/wechat;/);
    expect(raw).toMatch(/; HttpOnly/);
    expect(raw).toMatch(/; SameSite=Lax/);
    expect(setCookies(start)['wechat.sid.login.return']).toMatch(/^[\w-]+\.[\w-]{43}$/);
  });

  it('works the same on the memory store', async () => {
    const memory = createWechatLogin(loginOptions(world, { redis: undefined, store: createMemoryStore({ clock: world.clock }) }), { warn: () => undefined });
    try {
      const memoryApp = buildApp(memory);
      const agent = request.agent(memoryApp);
      const start = await agent.get('/auth/wechat/login?returnTo=/profile%3Fm%3D1').set('User-Agent', WECHAT_UA);
      const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
      world.clock.advance(LOGIN_TIMEOUT_MS + 1);
      const restart = restartOf(await agent.get(callbackPath).set('User-Agent', WECHAT_UA));
      const done = await followRestart(agent, restart, memoryApp);
      expect(done.headers.location).toBe('/profile?m=1');
    } finally {
      await memory.close();
    }
  });
});

describe('the remembered returnTo is not trusted', () => {
  it('a tampered copy is ignored: the fresh login goes to /', async () => {
    const agent = request.agent(app);
    const { start, callbackPath, nonce } = await startLogin(agent, 'returnTo=/profile');
    const [payload, mac] = setCookies(start)['wechat.sid.login.return']!.split('.');
    const forged = Buffer.from(JSON.stringify([nonce, '/admin', 'snsapi_userinfo'])).toString('base64url');
    const binder = setCookies(start)['wechat.sid.login']!;
    for (const cookie of [`${forged}.${mac}`, `${payload}.${mac!.slice(1)}A`, payload!, `${payload}.${mac}.x`]) {
      const res = await request(app)
        .get(callbackPath)
        .set('User-Agent', WECHAT_UA)
        .set('Cookie', `wechat.sid.login=${binder}; wechat.sid.login.return=${cookie}`);
      expect(restartOf(res)).toBe('/auth/wechat/login?retry=1');
    }
  });

  it("only the callback of the login it was written for gets it back: another tab's stale callback goes to /", async () => {
    const agent = request.agent(app);
    const first = await startLogin(agent, 'returnTo=/first');
    await startLogin(agent, 'returnTo=/second');
    dropStateCookie(agent, first.nonce);
    expect(restartOf(await agent.get(first.callbackPath).set('User-Agent', WECHAT_UA))).toBe('/auth/wechat/login?retry=1');
  });

  it('a stale callback from a link (without the cookie) restarts to /', async () => {
    const { callbackPath } = await startLogin(request.agent(app), 'returnTo=/profile');
    expect(restartOf(await request(app).get(callbackPath).set('User-Agent', WECHAT_UA))).toBe('/auth/wechat/login?retry=1');
  });

  it('the restarted login checks returnTo again with its own policy', async () => {
    // Another deployment of the same app (same secret) that does not allow partner.example.
    const strict: WechatLogin = createWechatLogin(loginOptions(world), { warn: () => undefined });
    try {
      const strictApp = buildApp(strict);
      const agent = request.agent(app);
      const { callbackPath, nonce } = await startLogin(agent, `returnTo=${encodeURIComponent('https://partner.example/welcome')}`);
      dropStateCookie(agent, nonce);
      const restart = restartOf(await request(strictApp).get(callbackPath).set('User-Agent', WECHAT_UA).set('Cookie', cookieHeader(agent)));
      expect(restart).toBe(`/auth/wechat/login?returnTo=${encodeURIComponent('https://partner.example/welcome')}&retry=1`);
      const strictAgent = request.agent(strictApp);
      const start = await strictAgent.get(restart).set('User-Agent', WECHAT_UA);
      const done = await strictAgent.get(pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
      expect(done.status).toBe(302);
      expect(done.headers.location).toBe('/');
      expect((await strictAgent.get('/api/me').set(json)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('a stale callback of a restarted login does not restart again (no loop)', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?returnTo=/profile&retry=1').set('User-Agent', WECHAT_UA);
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
    world.clock.advance(LOGIN_TIMEOUT_MS + 1);
    const res = await agent.get(callbackPath).set('User-Agent', WECHAT_UA);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('http-equiv="refresh"');
  });
});
