import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { createMemoryStore, createRedisStore, type WechatStore } from '../../lib/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

let server: TestRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

const tokens = { accessToken: 'AT1', refreshToken: 'RT1', expiresIn: 7200 };
const appId = 'wx0123456789abcdef';
const newPrefix = () => `t${Math.random().toString(36).slice(2, 8)}`;
/** `makeStores(n)`: n stores on one set of data, as n processes see it (Redis: n clients; memory: one store). */
const implementations: Array<[string, () => WechatStore, (n: number) => WechatStore[]]> = [
  ['redis', () => createRedisStore({ redis: server.client(), appId, keyPrefix: newPrefix() }), (n) => {
    const keyPrefix = newPrefix();
    return Array.from({ length: n }, () => createRedisStore({ redis: server.client(), appId, keyPrefix }));
  }],
  ['memory', () => createMemoryStore(), (n) => Array(n).fill(createMemoryStore())],
];

describe.each(implementations)('the %s user repository (WechatPublicAuthModel)', (_name, makeStore, makeStores) => {
  it('inserts with an auto-increment id and finds by id, openid and unionid', async () => {
    const { users } = makeStore();
    const a = await users.upsert({ openid: 'oA', unionid: 'uA', nickname: '张三', headimgurl: 'https://x/132', sex: 0, province: '', city: '', country: '' }, tokens, 1000);
    const b = await users.upsert({ openid: 'oB' }, tokens, 2000);
    expect(a.id).toBe(1);
    expect(b.id).toBe(2);
    expect(a).toMatchObject({ openid: 'oA', unionid: 'uA', nickname: '张三', sex: 0, accessToken: 'AT1', refreshToken: 'RT1', expiresIn: 7200 });
    expect(a.createdAt).toEqual(new Date(1000));
    expect(b).toMatchObject({ unionid: null, nickname: null, sex: null });
    expect(await users.findById(1)).toEqual(a);
    expect(await users.findByOpenid('oB')).toEqual(b);
    expect(await users.findByUnionid('uA')).toEqual(a);
    expect(await users.findById(99)).toBeNull();
    expect(await users.findByOpenid('nobody')).toBeNull();
  });

  it('keeps id and createdAt on upsert, and keeps the profile when a base-scope login knows none', async () => {
    const { users } = makeStore();
    const first = await users.upsert({ openid: 'oC', nickname: 'Old' }, tokens, 1000);
    const second = await users.upsert({ openid: 'oC', nickname: 'New' }, { ...tokens, accessToken: 'AT2' }, 5000);
    expect(second.id).toBe(first.id);
    expect(second.createdAt).toEqual(new Date(1000));
    expect(second.updatedAt).toEqual(new Date(5000));
    expect(second.nickname).toBe('New');
    const base = await users.upsert({ openid: 'oC' }, { ...tokens, accessToken: 'AT3' }, 6000);
    expect(base.nickname).toBe('New');
    expect(base.accessToken).toBe('AT3');
  });

  it('updates tokens of an existing user only', async () => {
    const { users } = makeStore();
    const user = await users.upsert({ openid: 'oD' }, tokens, 1000);
    await users.updateTokens(user.id, { accessToken: 'AT9', refreshToken: 'RT9', expiresIn: 7000 }, 9000);
    expect(await users.findById(user.id)).toMatchObject({ accessToken: 'AT9', refreshToken: 'RT9', expiresIn: 7000, updatedAt: new Date(9000) });
    await users.updateTokens(12345, tokens, 9000);
    expect(await users.findById(12345)).toBeNull();
  });

  it('gives two concurrent first logins of one openid the same id', async () => {
    const { users } = makeStore();
    const [a, b] = await Promise.all([users.upsert({ openid: 'oE' }, tokens, 1), users.upsert({ openid: 'oE' }, tokens, 2)]);
    expect(a.id).toBe(b.id);
  });

  it('gives 60 users logging in for the first time at once, 3 times each over two processes, one distinct id each', async () => {
    const stores = makeStores(2);
    const openids = Array.from({ length: 60 }, (_, i) => `oNew${i}`);
    const upserts = openids.flatMap((openid, i) =>
      [0, 1, 2].map((k) => stores[(i + k) % 2]!.users.upsert({ openid, unionid: `u${openid}`, nickname: `n${k}` }, tokens, 1000 + k)),
    );
    const results = await Promise.all(upserts);
    const idOf = new Map<string, Set<number>>();
    for (const user of results) idOf.set(user.openid, (idOf.get(user.openid) ?? new Set()).add(user.id));
    expect([...idOf.values()].every((ids) => ids.size === 1)).toBe(true);
    const ids = openids.map((openid) => [...idOf.get(openid)!][0]!);
    expect(new Set(ids).size).toBe(openids.length);
    for (const [i, openid] of openids.entries()) {
      const byId = await stores[i % 2]!.users.findById(ids[i]!);
      expect(byId).toMatchObject({ id: ids[i], openid, unionid: `u${openid}` });
      expect(await stores[(i + 1) % 2]!.users.findByOpenid(openid)).toEqual(byId);
      expect(await stores[i % 2]!.users.findByUnionid(`u${openid}`)).toEqual(byId);
    }
    // A later login of each finds its id again, with no new number taken.
    const again = await stores[0]!.users.upsert({ openid: 'oNew0' }, tokens, 5000);
    expect(again.id).toBe(ids[0]);
    expect(again.createdAt).toEqual(new Date(Math.min(...results.filter((u) => u.openid === 'oNew0').map((u) => u.createdAt.getTime()))));
  });
});

describe('Redis key layout', () => {
  it('namespaces user keys by appId, each user record and index under a hash tag of its own (no slot holds every user)', async () => {
    const client = server.client();
    await client.flushall();
    const one = createRedisStore({ redis: client, appId: 'wx1111111111111111', keyPrefix: 'wol' });
    const two = createRedisStore({ redis: client, appId: 'wx2222222222222222', keyPrefix: 'wol' });
    await one.users.upsert({ openid: 'same', unionid: 'U' }, tokens, 1);
    await two.users.upsert({ openid: 'same' }, tokens, 1);
    expect((await one.users.findByOpenid('same'))!.unionid).toBe('U');
    expect((await two.users.findByOpenid('same'))!.unionid).toBeNull();
    expect((await client.keys('*')).sort()).toEqual([
      'wol:wx1111111111111111:openid:{same}',
      'wol:wx1111111111111111:unionid:{U}',
      'wol:wx1111111111111111:user:{1}',
      'wol:wx2222222222222222:openid:{same}',
      'wol:wx2222222222222222:user:{1}',
      'wol:{wx1111111111111111:users}:seq',
      'wol:{wx2222222222222222:users}:seq',
    ]);
    // Every script and command of a user touches one key, so any slot will do: 100 users use about 100 slots.
    const before = new Set(await client.keys('*'));
    await Promise.all(Array.from({ length: 100 }, (_, i) => one.users.upsert({ openid: `o${i}`, unionid: `u${i}` }, tokens, 1)));
    const userKeys = (await client.keys('wol:wx1111111111111111:*')).filter((k) => !before.has(k));
    expect(userKeys).toHaveLength(300);
    for (const kind of ['user', 'openid', 'unionid']) {
      const slots = new Set(userKeys.filter((k) => k.includes(`:${kind}:`)).map((k) => calculateSlot(k)));
      expect(slots.size).toBeGreaterThan(90);
    }
  });

  it("costs a returning user's login four commands in two round trips: the openid and unionid indexes at once, then the record script", async () => {
    const client = server.client();
    const store = createRedisStore({ redis: client, appId: 'wx4444444444444444', keyPrefix: 'rt' });
    await store.users.upsert({ openid: 'back', unionid: 'U4' }, tokens, 1); // first login: loads the scripts too
    const counts = async () => Object.fromEntries([...(await client.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map(([, name, calls]) => [name!, Number(calls)]));
    const before = await counts();
    await store.users.upsert({ openid: 'back', unionid: 'U4', nickname: 'again' }, tokens, 2);
    const after = await counts();
    const ran = Object.fromEntries(Object.entries(after).filter(([name, calls]) => name !== 'info' && calls !== (before[name] ?? 0)).map(([name, calls]) => [name, calls - (before[name] ?? 0)]));
    // Inside the script: HSET, HSETNX (createdAt, openid), HGETALL (counted by Redis too).
    expect(ran).toEqual({ get: 2, evalsha: 1, hset: 1, hsetnx: 2, hgetall: 1 });
  });

  it('numbers new users on from the sequence the one-tag layout left', async () => {
    const client = server.client();
    await client.set('old:{wx3333333333333333:users}:seq', '41');
    const store = createRedisStore({ redis: client, appId: 'wx3333333333333333', keyPrefix: 'old' });
    expect((await store.users.upsert({ openid: 'newcomer' }, tokens, 1)).id).toBe(42);
  });
});
