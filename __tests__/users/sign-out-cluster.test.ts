import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createWechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp } from '../helpers/login-app.js';
import { loggedInBrowser, sessionIdOf, type Instance } from './secrets-helpers.js';

/**
 * Sign out everywhere and encrypted tokens on a real Redis Cluster (3 masters, 3 replicas): the user's list of
 * grants and each grant live on different slots, and every command stays within one.
 */

let world: ClusterWorld;
let reader: Cluster;
let instances: Instance[];
const KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  world = await startClusterWorld();
  reader = world.cluster.client(CLUSTER_OPTIONS);
  instances = [0, 1].map(() => {
    const wechat = createWechatLogin(world.options({ tokenEncryptionKey: KEY }), { warn: () => undefined });
    return { wechat, app: buildApp(wechat) };
  });
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await Promise.all((instances ?? []).map(({ wechat }) => wechat.close()));
  await world?.stop();
});

const statusOf = (one: Instance, cookie: string) =>
  request(one.app).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie).then((res) => res.status);

describe('on a Redis Cluster, two app instances', () => {
  it("ends one user's logins on both instances, each grant by a command on its own slot; the other user stays", async () => {
    const [one, two] = instances as [Instance, Instance];
    const alice = [await loggedInBrowser(one.app, world, 'alice'), await loggedInBrowser(two.app, world, 'alice')];
    const bob = await loggedInBrowser(two.app, world, 'bob');
    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    const aliceId = (await one.wechat.users.findByOpenid(world.emulator.openidFor('alice')))!.id;
    const slots = new Set([keys.userGrants(aliceId), ...alice.map((cookie) => keys.grant(sessionIdOf(cookie)))].map((key) => calculateSlot(key)));
    expect(slots.size).toBe(3);

    // Encrypted on the cluster too: the grant holds a ciphertext, the app reads the token.
    const token = await request(one.app).get('/api/token').set('Accept', 'application/json').set('Cookie', alice[0]!);
    expect(token.status).toBe(200);
    const stored = await reader.hget(keys.grant(sessionIdOf(alice[0]!)), 'accessToken');
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain(token.body.token);

    const started = Date.now();
    expect(await two.wechat.users.signOutEverywhere(world.emulator.openidFor('alice'))).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000);

    for (const app of [one, two]) {
      expect(await Promise.all([...alice, bob].map((cookie) => statusOf(app, cookie)))).toEqual([401, 401, 200]);
    }
    for (const cookie of alice) {
      const sid = sessionIdOf(cookie);
      expect(await reader.exists(keys.grant(sid), keys.grantLock(sid), keys.sessionOfGrant(sid))).toBe(0);
    }
    expect(await reader.exists(keys.userGrants(aliceId))).toBe(0);
  });
});
