import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import calculateSlot from 'cluster-key-slot';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, type LoginWorld } from '../helpers/login-app.js';
import { complete, desktopAgent, desktopOpens, phoneConfirms, phoneScans, postCancel, signedInPhone, statusOf, whoIs } from './scan-world.js';

/** Scan to sign in on a real Redis Cluster: every step is a script on one ticket key, so any node's slot works. */
let world: ClusterWorld;
let instances: WechatLogin[];
let desktopApp: Express;
let phoneApp: Express;

beforeAll(async () => {
  world = await startClusterWorld();
  // One instance builds its Cluster from seed nodes, the other is given the app's own Cluster.
  instances = [
    createWechatLogin(world.options(), { warn: () => undefined }),
    createWechatLogin(world.options({ redis: world.cluster.client(CLUSTER_OPTIONS) }), { warn: () => undefined }),
  ];
  desktopApp = buildApp(instances[0]!);
  phoneApp = buildApp(instances[1]!);
}, 60_000);
afterAll(async () => {
  for (const instance of instances ?? []) await instance.close();
  await world?.stop();
});

const asWorld = () => ({ emulator: world.emulator, clock: world.clock }) as unknown as LoginWorld;

describe('scan to sign in on a Redis Cluster, desktop and phone on different instances', () => {
  it('signs the desktop in as the phone’s user, the codes’ keys spread over the slots', async () => {
    const slots = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const desktop = desktopAgent(desktopApp);
      const code = await desktopOpens(desktop);
      slots.add(calculateSlot(createKeys('wol', world.emulator.defaultApp.appId).scanTicket(code.recordId)));
      const phone = await signedInPhone(asWorld(), phoneApp, i % 2 ? 'bob' : 'alice');
      expect((await phoneConfirms(asWorld(), phone, code, i % 2 ? 'bob' : 'alice')).status).toBe(200);
      expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'confirmed' });
      await complete(desktop, code).expect(303);
      expect((await whoIs(desktop)).openid).toBe((await whoIs(phone)).openid);
    }
    expect(slots.size).toBeGreaterThan(1);
  });

  it('a cancel on the phone’s instance is what the desktop’s instance reports', async () => {
    const desktop = desktopAgent(desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(asWorld(), phoneApp);
    const page = await phoneScans(phone, code);
    await postCancel(phone, code, { csrf: page.csrf }).expect(200);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
  });
});
