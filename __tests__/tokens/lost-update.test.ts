import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { HOUR_MS, gate, readGrant, refreshBehindOurBack, tokenOf, tokenTestRoutes, wechatAccepts } from './token-helpers.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: ReturnType<typeof buildApp>;
/** The slow route's gates, set per test. */
let slow: { entered: ReturnType<typeof gate>; release: ReturnType<typeof gate>; tokenSeen?: string };

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world));
  app = buildApp(wechat, (a) => {
    tokenTestRoutes(a);
    // A slow guarded handler: reads a token, changes the session (so express-session writes the whole
    // session back when it ends), and waits on a gate the test opens.
    a.get('/slow', wechat.requireWechatUser(), async (req, res) => {
      slow.tokenSeen = await req.wechat.getAccessToken();
      const data = req.session as unknown as { visits?: number };
      data.visits = (data.visits ?? 0) + 1;
      slow.entered.open();
      await slow.release.wait;
      res.json({ ok: true });
    });
    a.get('/test/check', async (req, res) =>
      void res.json({ sync: req.wechat.isAuthenticated(), checked: await req.wechat.checkAuthenticated() }),
    );
    a.get('/visits', (req, res) => void res.json({ visits: (req.session as unknown as { visits?: number }).visits ?? 0 }));
  });
});
afterEach(() => world.emulator.resetCalls());
afterAll(async () => {
  await wechat.close();
  await world.stop();
});

describe('no lost updates from express-session writing the whole session back', () => {
  it('a request that started before a refresh and ends after it does not put the old tokens back', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const openid = world.emulator.openidFor('alice');
    const old = await readGrant(wechat, agent);
    slow = { entered: gate(), release: gate() };

    const slowRequest = agent.get('/slow').set('Accept', 'application/json').then((r) => r);
    await slow.entered.wait;
    expect(slow.tokenSeen).toBe(old.accessToken);

    // Meanwhile the token expires and another request of the same session refreshes it.
    world.clock.advance(3 * HOUR_MS);
    const refreshed = await tokenOf(agent);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).not.toBe(old.accessToken);
    expect(world.emulator.calls.refresh_token).toBe(1);

    slow.release.open();
    expect((await slowRequest).status).toBe(200);
    // The slow request did write its session.
    expect((await agent.get('/visits')).body.visits).toBe(1);

    const after = await readGrant(wechat, agent);
    expect(after.accessToken).toBe(refreshed.body.token);
    expect(after.refreshToken).not.toBe(old.refreshToken);
    expect(await wechatAccepts(world.emulator, old.accessToken, openid)).toBe(false);

    // With rotation an old refresh token written back would make this refresh fail with 40030.
    world.clock.advance(3 * HOUR_MS);
    const next = await tokenOf(agent);
    expect(next.status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(2);
    expect(await wechatAccepts(world.emulator, next.body.token, openid)).toBe(true);
  });

  it('a slow request that itself refreshed, ending after a later refresh, does not win either', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    world.clock.advance(3 * HOUR_MS);
    slow = { entered: gate(), release: gate() };
    const slowRequest = agent.get('/slow').set('Accept', 'application/json').then((r) => r);
    await slow.entered.wait; // refreshed inside the slow request
    const first = slow.tokenSeen!;
    world.clock.advance(3 * HOUR_MS);
    const second = await tokenOf(agent);
    expect(second.body.token).not.toBe(first);
    slow.release.open();
    await slowRequest;
    expect((await readGrant(wechat, agent)).accessToken).toBe(second.body.token);
    world.clock.advance(3 * HOUR_MS);
    expect((await tokenOf(agent)).status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(3);
  });

  async function refusalOverwrittenBySlowRequest() {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    slow = { entered: gate(), release: gate() };
    const slowRequest = agent.get('/slow').set('Accept', 'application/json').then((r) => r);
    await slow.entered.wait;

    await refreshBehindOurBack(world.emulator, (await readGrant(wechat, agent)).refreshToken);
    world.clock.advance(3 * HOUR_MS);
    expect((await tokenOf(agent)).status).toBe(401);

    slow.release.open();
    await slowRequest; // writes back a session from before the refusal, without its "authorize again" note
    return agent;
  }

  it('checkAuthenticated() sees a refusal whose note in the session a slow request overwrote, and restores the note', async () => {
    const agent = await refusalOverwrittenBySlowRequest();
    const check = await agent.get('/test/check').set('Accept', 'application/json');
    expect(check.body).toEqual({ sync: true, checked: false });
    const page = await agent.get('/api/me').set('Accept', 'application/json');
    expect(page.status).toBe(401);
    expect(page.body.error).toBe('wechat_login_required');
  });

  // The guard checks the grant in Redis, not only the session a slow request may write back.
  it('the guard does not let a slow request undo the logout', async () => {
    const agent = await refusalOverwrittenBySlowRequest();
    const page = await agent.get('/api/me').set('Accept', 'application/json');
    expect(page.status).toBe(401);
  });
});
