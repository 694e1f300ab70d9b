import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp } from '../helpers/login-app.js';
import { closeAll, configOf, platformCalls, wechatVerifies } from './platform-helpers.js';

let world: ClusterWorld;
const instances: WechatLogin[] = [];

beforeAll(async () => {
  world = await startClusterWorld();
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await closeAll(instances);
  await world?.stop();
});

describe('the shared app token and jsapi_ticket on a Redis Cluster (3 masters, 3 replicas)', () => {
  it('40 concurrent config requests over two instances: one stable_token and one getticket call; a later instance fetches nothing', async () => {
    const ours = createWechatLogin(world.options(), { warn: () => undefined });
    const theirs = createWechatLogin(world.options({ redis: world.cluster.client(CLUSTER_OPTIONS) }), { warn: () => undefined });
    instances.push(ours, theirs);
    const apps = [buildApp(ours), buildApp(theirs)];
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => configOf(apps[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 1, token: 0, getticket: 1 });
    expect(await wechatVerifies(world.emulator, answers[17]!.body)).toBe(true);

    const later = createWechatLogin(world.options(), { warn: () => undefined });
    instances.push(later);
    world.emulator.resetCalls();
    expect((await configOf(buildApp(later))).status).toBe(200);
    expect(platformCalls(world.emulator)).toEqual({ stable_token: 0, token: 0, getticket: 0 });
  });

  it("keeps each credential, its lock and the force quota under one hash tag (the save script's keys share a slot)", () => {
    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    const slots = new Set(
      [keys.platformCredential('accessToken'), keys.platformLock('accessToken'), keys.platformCredential('jsapiTicket'), keys.platformLock('jsapiTicket'), keys.platformForceQuota].map(
        (key) => calculateSlot(key),
      ),
    );
    expect(slots.size).toBe(1);
  });
});
