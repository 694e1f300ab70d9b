import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import calculateSlot from 'cluster-key-slot';
import { randomBytes } from 'node:crypto';
import { hashCode } from '../../lib/login/login-state.js';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, WECHAT_UA } from '../helpers/login-app.js';

/** The callback's limits and a state's single use on a real Redis Cluster: one slot per window, shared by every instance. */

let world: ClusterWorld;
const logins: WechatLogin[] = [];
let apps: Express[];

beforeAll(async () => {
  world = await startClusterWorld();
  for (let i = 0; i < 2; i++) {
    logins.push(createWechatLogin(world.options({ rateLimit: { refusedCodesPerMinutePerIp: 5 } }), { warn: () => undefined }));
  }
  apps = logins.map((wechat) => buildApp(wechat).set('trust proxy', 'loopback'));
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await Promise.all(logins.map((wechat) => wechat.close()));
  await world?.stop();
});

/** A login started on one instance, its callback with a made-up code on the other (the browser's cookies kept). */
async function madeUpCode(from: Express, to: Express, ip: string): Promise<{ status: number; nonce: string; codeHash: string }> {
  const start = await request(from).get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
  const nonce = new URL(start.headers.location as string).searchParams.get('state')!;
  const cookies = ([] as string[]).concat(start.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const code = randomBytes(16).toString('hex');
  const res = await request(to).get(`/auth/wechat/callback?code=${code}&state=${nonce}`).set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip).set('Cookie', cookies);
  return { status: res.status, nonce, codeHash: hashCode(code) };
}

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

describe('rate limits and single use on a Redis Cluster (3 masters, 3 replicas), two app instances', () => {
  it('the exchange budget is shared across instances, its window one key in its own slot', async () => {
    // Other tests of this file (in any order) leave their own keys: count what this one adds.
    const before = await keysOnMasters();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await madeUpCode(apps[i % 2]!, apps[(i + 1) % 2]!, '198.51.100.200')).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429, 429]);

    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    const window = keys.rateLimit('refused-code', '198.51.100.200');
    const added = (await keysOnMasters()).filter((key) => !before.includes(key));
    expect(added.filter((key) => key.includes(':rl:'))).toEqual([window]);
    expect(calculateSlot(window)).toBe(calculateSlot('{refused-code:198.51.100.200}'));
  });

  it("a state's used mark and its code's outcome share the nonce's slot (one script), and nothing else is stored for it", async () => {
    const before = await keysOnMasters();
    const { nonce, codeHash } = await madeUpCode(apps[0]!, apps[1]!, '198.51.100.201');
    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    const added = (await keysOnMasters()).filter((key) => !before.includes(key) && !key.includes(':rl:'));
    expect(added.sort()).toEqual([keys.code(nonce, codeHash), keys.stateUsed(nonce)].sort());
    expect(calculateSlot(keys.stateUsed(nonce))).toBe(calculateSlot(keys.code(nonce, codeHash)));
  });
});
