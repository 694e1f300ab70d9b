import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, login } from '../helpers/login-app.js';
import { sessionCookieFrom } from '../tokens/token-helpers.js';
import { reportFigure } from '../helpers/figures.js';

let world: ClusterWorld;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startClusterWorld();
  wechat = createWechatLogin(world.options(), { warn: () => undefined });
  app = buildApp(wechat);
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await wechat?.close();
  await world?.stop();
  // While no node answered, each reconnect attempt of ioredis gave up connections on dead nodes, arming a 2 s
  // "destroy the stream" timer for each (sockets that never close again). Wait for them, or jest cannot exit.
  const deadline = performance.now() + 5_000;
  while (timers() > timersAtStart && performance.now() < deadline) await sleep(100);
}, 30_000);

const timersAtStart = timers();
function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('the whole cluster out of reach', () => {
  it('answers 503 at once from a Cluster built from seed nodes: commands fail instead of queueing with no deadline', async () => {
    const { callback } = await login(request.agent(app), world.emulator);
    const cookie = sessionCookieFrom(callback);
    expect((await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie)).status).toBe(200);

    await Promise.all(world.cluster.nodes.map((node) => node.kill()));
    const took: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const res = await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie);
      took.push(Math.round(performance.now() - started));
      expect(res.status).toBe(503);
      await sleep(300);
    }
    reportFigure(`every node killed: /api/me answered 503 in ${took.join(', ')} ms`);
    // The first one may still retry on what is left of the slot map; after that, no waiting at all.
    expect(took[0]).toBeLessThan(4_500);
    expect(Math.max(...took.slice(1))).toBeLessThan(500);
  });
});
