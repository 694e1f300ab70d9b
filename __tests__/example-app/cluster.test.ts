import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createExampleApp, type RunningExampleApp } from '../../example-app/app.js';
import { startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { login, WECHAT_UA } from '../helpers/login-app.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

/** REDIS_CLUSTER_NODES as an operator sets it: two instances of the example app on one real Redis Cluster. */
let cluster: TestRedisCluster;
let emulator: WechatEmulator;
const instances: { app: RunningExampleApp; logs: string[] }[] = [];

beforeAll(async () => {
  [cluster, emulator] = await Promise.all([startRedisCluster(), startWechatEmulator()]);
  for (let i = 0; i < 2; i++) {
    const logs: string[] = [];
    const example = createExampleApp(
      {
        PORT: '0',
        // Two seeds of six: the rest is discovered.
        REDIS_CLUSTER_NODES: cluster.seeds.slice(0, 2).join(','),
        WECHAT_API_BASE: emulator.apiBaseUrl,
        WECHAT_OPEN_BASE: emulator.authorizeBaseUrl,
        SESSION_SECRET: 'cluster-test-session-secret-0123456789abcdef',
      },
      { log: (line) => logs.push(line), warn: (line) => logs.push(`WARNING: ${line}`) },
    );
    instances.push({ app: await example.start(), logs });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.map(({ app }) => app.close()));
  await emulator?.close();
  await cluster?.stop();
});

describe('the example app on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('says at start-up which cluster it uses, and warns about nothing', () => {
    for (const { logs } of instances) {
      expect(logs).toContain(`Redis Cluster: seed nodes ${cluster.seeds.slice(0, 2).join(', ')}; the other nodes are discovered from them`);
      expect(logs.join('\n')).not.toMatch(/WARNING/);
    }
  });

  it('a login on one instance is a login on the other: the session lives in the cluster', async () => {
    const [first, second] = instances.map(({ app }) => app.url) as [string, string];
    const agent = request.agent(first);
    const { callback } = await login(agent, emulator, { user: 'bob', returnTo: '/profile' });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/profile');

    const mine = await agent.get('/api/me').set('Accept', 'application/json');
    expect(mine.status).toBe(200);
    const cookie = (callback.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const elsewhere = await request(second).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie).set('User-Agent', WECHAT_UA);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.user).toEqual(mine.body.user);
    expect(elsewhere.body.user.openid).toBe(emulator.openidFor('bob'));

    const profile = await request(second).get('/profile').set('Cookie', cookie).set('User-Agent', WECHAT_UA);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain(emulator.openidFor('bob'));
  });
});
