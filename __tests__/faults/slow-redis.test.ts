import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { connectRedis, REDIS_OPTIONS } from '../../lib/store/redis-client.js';
import { buildApp, login, loginOptions, WECHAT_UA, type Agent, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { setCookies } from './fault-helpers.js';
import { reportFigure } from '../helpers/figures.js';

/**
 * A Redis that stops answering for 3 s (DEBUG SLEEP 3 from another connection: the server is busy, connections
 * stay open). The app runs on the client we build from a URL (connectRedis, what createWechatLogin does with a
 * URL), here made by the test so that its queues can be watched.
 */
let world: LoginWorld;
let client: Redis;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startWorld({ redis: { debugCommand: true } });
  client = connectRedis(world.redisServer.url) as Redis;
  wechat = createWechatLogin(loginOptions(world, { redis: client }), { warn: () => undefined });
  app = buildApp(wechat);
});

afterAll(async () => {
  await client?.quit().catch(() => client.disconnect());
  await world?.stop();
});

const SLEEP_S = 3;
const json = { Accept: 'application/json' };

/** Commands sent and not yet answered, and commands waiting for a connection. */
function outstanding(): number {
  const queues = client as unknown as { commandQueue: { length: number }; offlineQueue: { length: number } };
  return queues.commandQueue.length + queues.offlineQueue.length;
}

describe('a slow Redis (DEBUG SLEEP 3)', () => {
  it('answers every request within the command timeout (503 while it sleeps), piles up no work, and logs nobody out', async () => {
    const agents: Agent[] = [];
    for (const user of ['alice', 'bob', 'alice', 'bob', 'alice', 'bob']) {
      const agent = request.agent(app);
      await login(agent, world.emulator, { user });
      agents.push(agent);
    }

    const sleeper = world.redisServer.client();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', String(SLEEP_S));
    await new Promise((r) => setTimeout(r, 50));
    const sleepEnds = performance.now() + SLEEP_S * 1_000;

    let peakOutstanding = 0;
    const sampler = setInterval(() => (peakOutstanding = Math.max(peakOutstanding, outstanding())), 20);
    const answers: { status: number; ms: number; cookies: Record<string, string> }[] = [];
    let started = 0;
    // Every browser keeps asking, one request after another, until half a second after Redis wakes up.
    await Promise.all(
      agents.map(async (agent, i) => {
        while (performance.now() < sleepEnds + 500) {
          started++;
          const t0 = performance.now();
          const res = i % 2 === 0 ? await agent.get('/api/me').set(json) : await agent.get('/profile').set('User-Agent', WECHAT_UA);
          answers.push({ status: res.status, ms: Math.round(performance.now() - t0), cookies: setCookies(res) });
        }
      }),
    );
    await sleeping;
    const settled = performance.now();
    while (outstanding() > 0 && performance.now() - settled < 1_000) await new Promise((r) => setTimeout(r, 10));
    clearInterval(sampler);

    const worst = Math.max(...answers.map((a) => a.ms));
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    reportFigure(
      `[slow-redis] ${answers.length} requests: ${count(200)} × 200, ${count(503)} × 503; worst ${worst} ms; ` +
        `peak outstanding Redis commands ${peakOutstanding}; after: ${outstanding()}`,
    );
    expect(answers).toHaveLength(started);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
    // One command's deadline, plus the request's own work.
    expect(worst).toBeLessThan(REDIS_OPTIONS.commandTimeout + 750);
    // At most one command per browser per timeout window is waiting on the sleeping server; none left after.
    expect(peakOutstanding).toBeLessThanOrEqual(agents.length * (Math.ceil((SLEEP_S * 1_000) / REDIS_OPTIONS.commandTimeout) + 1));
    expect(outstanding()).toBe(0);
    for (const answer of answers) expect(answer.cookies).toEqual({});

    for (const agent of agents) {
      const me = await agent.get('/api/me').set(json);
      expect(me.status).toBe(200);
      expect(setCookies(me)).toEqual({});
    }
  });
});
