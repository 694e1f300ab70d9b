import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import calculateSlot from 'cluster-key-slot';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, WECHAT_UA } from '../helpers/login-app.js';

/** The login's rate limits on a real Redis Cluster: one slot per window, shared by every instance. */

let world: ClusterWorld;
const logins: WechatLogin[] = [];
let apps: Express[];

beforeAll(async () => {
  world = await startClusterWorld();
  for (let i = 0; i < 2; i++) {
    logins.push(createWechatLogin(world.options({ rateLimit: { loginsPerMinutePerIp: 5, openLoginsPerBrowser: 3 } }), { warn: () => undefined }));
  }
  apps = logins.map((wechat) => buildApp(wechat).set('trust proxy', 'loopback'));
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await Promise.all(logins.map((wechat) => wechat.close()));
  await world?.stop();
});

const startLogin = (app: Express, ip: string) => request(app).get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);

/** Every key of ours on every master, by SCAN. */
async function keysOnMasters(): Promise<string[]> {
  const found: string[] = [];
  for (const master of await world.cluster.masters()) {
    const node = world.cluster.nodeClient(master.port);
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', 'wol:*', 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
  }
  return found;
}

describe('rate limits on a Redis Cluster (3 masters, 3 replicas), two app instances', () => {
  it('the per-address limit is shared across instances, its window one key in its own slot', async () => {
    // Other tests of this file (in any order) leave their own keys: count what this one adds.
    const before = await keysOnMasters();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await startLogin(apps[i % 2]!, '198.51.100.200')).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429, 429]);

    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    const window = keys.rateLimit('login-ip', '198.51.100.200');
    const added = (await keysOnMasters()).filter((key) => !before.includes(key));
    expect(added.filter((key) => key.includes(':rl:'))).toEqual([window]);
    expect(added.filter((key) => key.includes(':state:'))).toHaveLength(5);
    expect(calculateSlot(window)).toBe(calculateSlot('{login-ip:198.51.100.200}'));
  });

  it('the per-browser cap holds across instances', async () => {
    const start = await startLogin(apps[0]!, '198.51.100.201');
    const cookie = ([] as string[]).concat(start.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid.login='))!.split(';')[0]!;
    const statuses: number[] = [start.status];
    for (let i = 0; i < 4; i++) statuses.push((await startLogin(apps[(i + 1) % 2]!, `198.51.100.${210 + i}`).set('Cookie', cookie)).status);
    expect(statuses).toEqual([302, 302, 302, 429, 429]);
  });
});
