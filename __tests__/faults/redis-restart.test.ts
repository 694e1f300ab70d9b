import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, pathOf, WECHAT_UA, type Agent, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { setCookies } from './fault-helpers.js';
import { reportFigure } from '../helpers/figures.js';

/**
 * A single Redis with AOF on, stopped mid-flow and started again on the same port and dir. The app connects
 * from a URL, so the client is the one we build (lib/store/redis-client.ts): its options decide how an outage
 * looks to a request.
 */
let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startWorld({ redis: { appendOnly: true } });
  wechat = createWechatLogin(loginOptions(world, { redis: world.redisServer.url }), { warn: () => undefined });
  app = buildApp(wechat);
});

afterAll(async () => {
  await wechat?.close();
  await world?.stop();
});

const json = { Accept: 'application/json' };
/** What "quickly" means for an answer during the outage. */
const OUTAGE_ANSWER_MS = 2_000;

interface Timed {
  res: request.Response;
  ms: number;
}

async function timed(req: PromiseLike<request.Response>): Promise<Timed> {
  const started = performance.now();
  const res = await req;
  return { res, ms: Math.round(performance.now() - started) };
}

async function waitForRedis(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = world.redisServer.client();
    if (await probe.ping().then(() => true, () => false)) return void (await probe.quit());
    if (Date.now() > deadline) throw new Error('Redis did not come back');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Redis stopped mid-flow and started again (AOF on)', () => {
  it('answers 503 quickly during the outage without logging anyone out; afterwards every session and an in-flight login carry on', async () => {
    const users = ['alice', 'bob', 'alice', 'bob', 'alice'];
    const agents: Agent[] = [];
    for (const user of users) {
      const agent = request.agent(app);
      const { callback } = await login(agent, world.emulator, { user, returnTo: '/api/me' });
      expect(callback.status).toBe(302);
      agents.push(agent);
    }
    const before = await Promise.all(agents.map(async (agent) => (await agent.get('/api/me').set(json)).body.user.openid as string));
    // A login in flight: its state in its cookie, WeChat answered, the callback not yet taken; and a second one whose
    // callback comes during the outage.
    const inFlight = request.agent(app);
    const inFlightStart = await inFlight.get('/auth/wechat/login?returnTo=/profile%3Fafter%3Drestart').set('User-Agent', WECHAT_UA);
    const inFlightCallback = pathOf(world.emulator.authorize(inFlightStart.headers.location as string, { user: 'bob' }));
    const during = request.agent(app);
    const duringStart = await during.get('/auth/wechat/login?returnTo=/api/me').set('User-Agent', WECHAT_UA);
    const duringCallback = pathOf(world.emulator.authorize(duringStart.headers.location as string, { user: 'alice' }));

    await world.redisServer.halt();
    const outage: Timed[] = [];
    const outageEnds = Date.now() + 3_000;
    // Rounds of every kind of request, for 3 s of outage: the client's reconnect backoff grows meanwhile.
    while (Date.now() < outageEnds) {
      for (const agent of agents) {
        outage.push(await timed(agent.get('/api/me').set(json)));
        outage.push(await timed(agent.get('/profile').set('User-Agent', WECHAT_UA)));
      }
      outage.push(await timed(during.get(duringCallback).set('User-Agent', WECHAT_UA)));
    }
    // /login needs no Redis (its state rides in a cookie): it still starts logins during the outage.
    const startedDuring = await request(app).get('/auth/wechat/login?returnTo=/profile').set('User-Agent', WECHAT_UA);
    expect(startedDuring.status).toBe(302);
    const worst = Math.max(...outage.map((t) => t.ms));
    const statuses = [...new Set(outage.map((t) => t.res.status))];
    reportFigure(`[redis-restart] outage: ${outage.length} requests, status ${statuses.join('/')}, worst ${worst} ms, median ${median(outage.map((t) => t.ms))} ms`);
    expect(statuses).toEqual([503]);
    expect(worst).toBeLessThan(OUTAGE_ANSWER_MS);
    for (const { res } of outage) {
      // No fresh anonymous session replacing the browser's, no login cookie for a login that was never stored.
      expect(setCookies(res)).toEqual({});
      expect(res.text).not.toMatch(/\n\s+at |Error:/);
    }

    // The callback that meets the outage offers a fresh login to the same place (its own state may be spent
    // once Redis runs what it had queued), and says so.
    const duringAnswer = await during.get(duringCallback).set('User-Agent', WECHAT_UA);
    expect(duringAnswer.status).toBe(503);
    expect(duringAnswer.headers['retry-after']).toBe('2');
    expect(duringAnswer.text).toContain('点击“重试”将重新发起登录'); // "Try again" starts a new sign-in
    const tryAgain = /<a class="btn" href="([^"]+)">重试<\/a>/.exec(duringAnswer.text)?.[1]?.replace(/&amp;/g, '&');
    expect(tryAgain).toBe('/auth/wechat/login?returnTo=%2Fapi%2Fme');

    const restarting = performance.now();
    await world.redisServer.restart();
    const serverUp = performance.now();
    let firstOk: number | undefined;
    while (firstOk === undefined) {
      const { res } = await timed(agents[0]!.get('/api/me').set(json));
      if (res.status === 200) firstOk = performance.now();
      else {
        expect(res.status).toBe(503);
        if (performance.now() - serverUp > 10_000) throw new Error('the app did not recover');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    reportFigure(
      `[redis-restart] recovery: redis-server up ${Math.round(serverUp - restarting)} ms after start, first 200 ${Math.round(firstOk - serverUp)} ms after that`,
    );
    expect(firstOk - serverUp).toBeLessThan(3_000);

    // Every session is still logged in, as the same user, with the same cookie.
    for (const [i, agent] of agents.entries()) {
      const me = await agent.get('/api/me').set(json);
      expect(me.status).toBe(200);
      expect(me.body.user.openid).toBe(before[i]);
      expect(setCookies(me)['wechat.sid']).toBeUndefined();
    }
    // The login in flight completes: its state was never in Redis, its used mark not yet written.
    const done = await inFlight.get(inFlightCallback).set('User-Agent', WECHAT_UA);
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/profile?after=restart');
    expect((await inFlight.get('/api/me').set(json)).body.user.openid).toBe(world.emulator.openidFor('bob'));
    // Its "Try again" now logs in, through WeChat, to where the first attempt was going.
    const again = await during.get(tryAgain!).set('User-Agent', WECHAT_UA);
    expect(again.status).toBe(302);
    const retried = await during.get(pathOf(world.emulator.authorize(again.headers.location as string, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
    expect(retried.status).toBe(302);
    expect(retried.headers.location).toBe('/api/me');
    expect((await during.get('/api/me').set(json)).status).toBe(200);
    await waitForRedis();
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
