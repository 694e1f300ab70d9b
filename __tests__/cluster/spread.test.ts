import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisStore } from '../../lib/index.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { reportFigure } from '../helpers/figures.js';

const USERS = 10_000;
const appId = 'wx0123456789abcdef';
const tokens = { accessToken: 'AT', refreshToken: 'RT', expiresIn: 7200 };

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await cluster?.stop();
});

/** Runs `task(i)` for i < count, `parallel` at a time. */
async function pool(count: number, parallel: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await task(next++);
  }));
}

function commandCalls(commandstats: string): number {
  return [...commandstats.matchAll(/calls=(\d+)/g)].reduce((sum, [, calls]) => sum + Number(calls), 0);
}

describe('users spread over the cluster (no hot slot)', () => {
  it(`puts no more than about half of ${USERS.toLocaleString('en')} users' keys on any one of 3 masters`, async () => {
    // Two app processes' clients, commands batched per node as a busy app would send them.
    const clients = [cluster.client({ enableAutoPipelining: true }), cluster.client({ enableAutoPipelining: true })];
    const stores = clients.map((redis) => createRedisStore({ redis, appId, keyPrefix: 'wol' }));
    const started = performance.now();
    const ids = new Array<number>(USERS);
    await pool(USERS, 400, async (i) => {
      const user = await stores[i % 2]!.users.upsert({ openid: `o${i}`, unionid: `u${i}`, nickname: `user ${i}` }, tokens, i);
      ids[i] = user.id;
    });
    const upsertMs = Math.round(performance.now() - started);

    expect(new Set(ids).size).toBe(USERS);
    expect(Math.max(...ids)).toBe(USERS); // distinct openids: no race, no number skipped
    for (const i of [0, 4_999, USERS - 1]) {
      expect(await stores[(i + 1) % 2]!.users.findByOpenid(`o${i}`)).toMatchObject({ id: ids[i], unionid: `u${i}` });
    }

    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(masters.map(async (m) => cluster.nodeClient(m.port).dbsize()));
    const total = perMaster.reduce((a, b) => a + b, 0);
    expect(total).toBe(3 * USERS + 1); // record, openid index, unionid index per user; the id sequence
    const shares = perMaster.map((n) => n / total);
    // The writes spread too: commands each master ran (the upserts, and little else on this cluster).
    const commandsPerMaster = await Promise.all(masters.map(async (m) => commandCalls(await cluster.nodeClient(m.port).info('commandstats'))));
    reportFigure(
      `${USERS} first logins upserted in ${upsertMs} ms (2 clients, 400 at a time); keys per master: ` +
        `${perMaster.join(' / ')} (largest share ${(Math.max(...shares) * 100).toFixed(1)}%); commands per master: ${commandsPerMaster.join(' / ')}`,
    );
    expect(Math.max(...shares)).toBeLessThan(0.5);
    const commandTotal = commandsPerMaster.reduce((a, b) => a + b, 0);
    expect(Math.max(...commandsPerMaster) / commandTotal).toBeLessThan(0.5);
  });
});
