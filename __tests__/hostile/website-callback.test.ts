import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, DESKTOP_UA, loginOptions, pathOf, startWorld, type Agent, type LoginWorld } from '../helpers/login-app.js';

/**
 * The website app's login comes back to the same callback as the Official Account's: whatever its code and state,
 * a clear refusal (4xx, or the one restart of a login whose code WeChat refused), nobody logged in, no secret in
 * the answer, the server still serving.
 */
let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startWorld();
  const website = world.emulator.websiteApp!;
  wechat = createWechatLogin(loginOptions(world, { websiteApp: { appId: website.appId, appSecret: website.appSecret }, keyPrefix: 'webhostile' }), {
    warn: () => undefined,
  });
  app = buildApp(wechat);
});
afterAll(async () => {
  await wechat.close();
  await world.stop();
});

const CALLBACK = '/auth/wechat/callback';

/** A desktop that went to WeChat's QR page and was answered for `user`, the callback not yet delivered. */
async function startedWebsiteLogin(user = 'alice'): Promise<{ agent: Agent; callbackPath: string; code: string; state: string }> {
  const agent = request.agent(app);
  const start = await agent.get('/auth/wechat/login?returnTo=%2Fprofile').set('User-Agent', DESKTOP_UA);
  expect(start.headers.location).toContain('/connect/qrconnect?');
  const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user }));
  const query = new URL(callbackPath, 'http://x').searchParams;
  return { agent, callbackPath, code: query.get('code')!, state: query.get('state')! };
}

function expectRefused(res: request.Response): void {
  if (res.status === 302) {
    const location = new URL(res.headers.location as string, 'http://localhost:3000');
    expect(location.pathname).toBe('/auth/wechat/login');
  } else {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  }
  const website = world.emulator.websiteApp!;
  for (const secret of [website.appSecret, world.emulator.defaultApp.appSecret]) expect(res.text ?? '').not.toContain(secret);
  expect(res.text ?? '').not.toMatch(/at .*\.ts:\d+|URIError|TypeError/);
}

async function expectNobodyLoggedIn(agent: Agent): Promise<void> {
  expect((await agent.get('/api/me').set('Accept', 'application/json').set('User-Agent', DESKTOP_UA)).status).toBe(401);
}

describe("the website app's callback refuses what the Official Account's refuses", () => {
  it.each([
    ['no code, no state', ''],
    ['an empty code', '?code=&state=abc'],
    ['a code as an array', '?code=a&code=b&state=abc'],
    ['a 600-character code', `?code=${'x'.repeat(600)}&state=abc`],
    ['a state of the wrong alphabet', '?code=abc&state=%3Cscript%3E'],
    ['an undecodable code', '?code=%ff&state=abc'],
  ])('%s: refused, nobody logged in', async (_name, query) => {
    const agent = request.agent(app);
    const res = await agent.get(`${CALLBACK}${query}`).set('User-Agent', DESKTOP_UA);
    expectRefused(res);
    await expectNobodyLoggedIn(agent);
  });

  it("a made-up code with the browser's own state: WeChat refuses it to the website app; nobody logged in", async () => {
    const login = await startedWebsiteLogin();
    const res = await login.agent.get(`${CALLBACK}?code=madeup0000&state=${login.state}`).set('User-Agent', DESKTOP_UA);
    expectRefused(res);
    await expectNobodyLoggedIn(login.agent);
  });

  it("another browser's state and code: 403, neither browser logged in, and the victim's own callback still works", async () => {
    const victim = await startedWebsiteLogin('alice');
    const attacker = request.agent(app);
    const stolen = await attacker.get(victim.callbackPath).set('User-Agent', DESKTOP_UA);
    expect(stolen.status).toBe(403);
    await expectNobodyLoggedIn(attacker);
    await expectNobodyLoggedIn(victim.agent);
    expect((await victim.agent.get(victim.callbackPath).set('User-Agent', DESKTOP_UA)).headers.location).toBe('/profile');
  });

  it('a completed website login replayed by another browser: refused, not logged in as the victim', async () => {
    const victim = await startedWebsiteLogin('alice');
    expect((await victim.agent.get(victim.callbackPath).set('User-Agent', DESKTOP_UA)).headers.location).toBe('/profile');
    const attacker = request.agent(app);
    expectRefused(await attacker.get(victim.callbackPath).set('User-Agent', DESKTOP_UA));
    await expectNobodyLoggedIn(attacker);
  });

  it('the server keeps serving after all of it', async () => {
    const login = await startedWebsiteLogin('bob');
    const res = await login.agent.get(login.callbackPath).set('User-Agent', DESKTOP_UA);
    expect(res.headers.location).toBe('/profile');
  });
});
