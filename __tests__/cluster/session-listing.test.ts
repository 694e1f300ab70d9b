import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SessionData } from 'express-session';
import type { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { WechatSessionStore } from '../../lib/session/session-store.js';
import { escapeGlob } from '../../lib/store/every-master.js';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { storeUnavailable } from '../../lib/store/store-error.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

/**
 * express-session's listings (all, ids, length, clear) on a Redis Cluster. connect-redis 8 scans whichever one
 * node an ioredis Cluster sends SCAN to, and its MGET / DEL of many keys are refused across slots; ours scan
 * every master and read or delete each key on the node that holds it.
 */
const SESSIONS = 60;
const keys = createKeys('wol', 'wx0123456789abcdef');
const otherAppKeys = createKeys('wol', 'wxfedcba9876543210');

let cluster: TestRedisCluster;
let redis: Cluster;
let store: WechatSessionStore;
let otherApp: WechatSessionStore;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = cluster.client(CLUSTER_OPTIONS);
  store = new WechatSessionStore({ redis, keys, ttlMs: 60_000, wrapError: storeUnavailable });
  otherApp = new WechatSessionStore({ redis, keys: otherAppKeys, ttlMs: 60_000, wrapError: storeUnavailable });
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => cluster?.stop());

const call = <T>(method: (cb: (error: unknown, data?: T) => void) => unknown) =>
  new Promise<T>((resolve, reject) => void method((error, data) => (error ? reject(error) : resolve(data as T))));

function session(n: number): SessionData {
  return {
    cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), httpOnly: true, path: '/' },
    n,
  } as unknown as SessionData;
}

const sids = Array.from({ length: SESSIONS }, (_, i) => `sid-${i}-${Math.random().toString(36).slice(2)}`);

/** Our sessions, another app's, and a grant beside each of ours: what a listing must tell apart. */
async function seed(): Promise<void> {
  await Promise.all(sids.map((sid, n) => call((cb) => store.set(sid, session(n), cb))));
  await Promise.all(sids.slice(0, 10).map((sid, n) => call((cb) => otherApp.set(sid, session(n), cb))));
  await Promise.all(sids.map((sid) => redis.hset(keys.grant(sid), 'version', '1')));
}

/** How many of our session keys each master serves. */
async function perMaster(): Promise<number[]> {
  const masters = await cluster.masters();
  return masters.map((m) => sids.filter((sid) => m.slots.some(([from, to]) => calculateSlot(`${keys.sessionPrefix}{${sid}}`) >= from && calculateSlot(`${keys.sessionPrefix}{${sid}}`) <= to)).length);
}

describe('session listings on a Redis Cluster (3 masters)', () => {
  it('all(), ids() and length() see every session, on every master, and only ours', async () => {
    await seed();
    const spread = await perMaster();
    expect(spread).toHaveLength(3);
    for (const count of spread) expect(count).toBeGreaterThan(0); // the sessions really are on every master

    expect(await call<number>((cb) => store.length(cb))).toBe(SESSIONS);
    expect((await call<string[]>((cb) => store.ids(cb))).sort()).toEqual([...sids].sort());
    const all = await call<Array<{ id: string; n: number }>>((cb) => store.all(cb));
    expect(all.map((s) => [s.id, s.n]).sort()).toEqual(sids.map((sid, n) => [sid, n]).sort());
    expect(await call<number>((cb) => otherApp.length(cb))).toBe(10);
  });

  it('clear() removes every session of ours on every master, and nothing else', async () => {
    await seed();
    await call((cb) => store.clear(cb));
    expect(await call<number>((cb) => store.length(cb))).toBe(0);
    expect(await call<unknown[]>((cb) => store.all(cb))).toEqual([]);
    for (const sid of sids) expect(await redis.exists(`${keys.sessionPrefix}{${sid}}`)).toBe(0);
    // Another app's sessions and our grants stay.
    expect(await call<number>((cb) => otherApp.length(cb))).toBe(10);
    expect(await Promise.all(sids.map((sid) => redis.exists(keys.grant(sid))))).toEqual(Array(SESSIONS).fill(1));
    // Clearing nothing is fine too.
    await call((cb) => store.clear(cb));
  });
});

describe('the same listings on one Redis', () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => server?.stop());

  it('all(), ids(), length() and clear() see ours only, and clear() leaves the rest', async () => {
    const single = server.client();
    const ours = new WechatSessionStore({ redis: single, keys, ttlMs: 60_000, wrapError: storeUnavailable });
    const theirs = new WechatSessionStore({ redis: single, keys: otherAppKeys, ttlMs: 60_000, wrapError: storeUnavailable });
    await Promise.all(sids.slice(0, 20).map((sid, n) => call((cb) => ours.set(sid, session(n), cb))));
    await Promise.all(sids.slice(0, 5).map((sid, n) => call((cb) => theirs.set(sid, session(n), cb))));
    await single.set(keys.grant(sids[0]!), 'grant');

    expect(await call<number>((cb) => ours.length(cb))).toBe(20);
    expect((await call<string[]>((cb) => ours.ids(cb))).sort()).toEqual(sids.slice(0, 20).sort());
    expect((await call<Array<{ id: string; n: number }>>((cb) => ours.all(cb))).map((s) => [s.id, s.n]).sort()).toEqual(
      sids.slice(0, 20).map((sid, n) => [sid, n]).sort(),
    );
    await call((cb) => ours.clear(cb));
    expect(await call<number>((cb) => ours.length(cb))).toBe(0);
    expect(await call<number>((cb) => theirs.length(cb))).toBe(5);
    expect(await single.get(keys.grant(sids[0]!))).toBe('grant');
  });

  it('matches the prefix literally: glob characters in it match only themselves', () => {
    expect(escapeGlob('wol:*:sess?[x]\\')).toBe('wol:\\*:sess\\?\\[x\\]\\\\');
  });
});

