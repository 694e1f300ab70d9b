import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createKeys } from '../../lib/store/keys.js';
import { createRedisStore } from '../../lib/storage/redis-store.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

let server: TestRedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
});
afterAll(async () => server.stop());

describe('grants.create', () => {
  it('fails (503) when Redis refuses a command inside its transaction, instead of reporting success', async () => {
    const store = createRedisStore({ redis, appId: 'wx0123456789abcdef', keyPrefix: 'wrongtype' });
    const grantKey = createKeys('wrongtype', 'wx0123456789abcdef').grant('taken-id');
    await redis.set(grantKey, 'not a hash');
    const grant = { accessToken: 'a'.repeat(20), refreshToken: 'r'.repeat(20), expiresAt: 1, refreshExpiresAt: 2, expiresIn: 7200, scope: 'snsapi_base', openid: 'o', userId: 1 };
    await expect(store.grants.create(grant, 60_000, 'taken-id')).rejects.toMatchObject({ code: 'ERR_WECHAT_STORE_UNAVAILABLE', status: 503 });
  });
});
