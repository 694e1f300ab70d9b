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
const implementations: Array<[string, () => WechatStore]> = [
  ['redis', () => createRedisStore({ redis: server.client(), appId: 'wx0123456789abcdef', keyPrefix: `t${Math.random().toString(36).slice(2, 8)}` })],
  ['memory', () => createMemoryStore()],
];

describe.each(implementations)('the %s user repository (WechatPublicAuthModel)', (_name, makeStore) => {
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
});

describe('Redis key layout', () => {
  it('namespaces keys by appId and keeps the user keys of one app in one hash slot', async () => {
    const client = server.client();
    await client.flushall();
    const one = createRedisStore({ redis: client, appId: 'wx1111111111111111', keyPrefix: 'wol' });
    const two = createRedisStore({ redis: client, appId: 'wx2222222222222222', keyPrefix: 'wol' });
    await one.users.upsert({ openid: 'same', unionid: 'U' }, tokens, 1);
    await two.users.upsert({ openid: 'same' }, tokens, 1);
    expect((await one.users.findByOpenid('same'))!.unionid).toBe('U');
    expect((await two.users.findByOpenid('same'))!.unionid).toBeNull();
    const keys = await client.keys('*');
    for (const key of keys) expect(key).toMatch(/^wol:\{wx(1{16}|2{16}):users\}:/);
    // Redis Cluster: the user record, its indexes and the id sequence are touched together, so one slot.
    const appOneKeys = keys.filter((k) => k.includes('wx1111'));
    expect(appOneKeys.length).toBeGreaterThanOrEqual(4);
    expect(new Set(appOneKeys.map((k) => calculateSlot(k))).size).toBe(1);
  });
});
