import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SessionData } from 'express-session';
import type { Redis } from 'ioredis';
import { WechatSessionStore } from '../../lib/session/session-store.js';
import { createKeys } from '../../lib/store/keys.js';
import { storeUnavailable } from '../../lib/store/store-error.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

let server: TestRedisServer;
let redis: Redis;
let store: WechatSessionStore;
const keys = createKeys('wol', 'wx0123456789abcdef');

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  store = new WechatSessionStore({ redis, keys, ttlMs: 60_000, wrapError: storeUnavailable });
});
afterAll(async () => server.stop());

const call = <T>(method: (cb: (error: unknown, data?: T) => void) => unknown) =>
  new Promise<T>((resolve, reject) => void method((error, data) => (error ? reject(error) : resolve(data as T))));

function session(expiresInMs: number): SessionData {
  const expires = new Date(Date.now() + expiresInMs);
  return { cookie: { originalMaxAge: expiresInMs, expires, httpOnly: true, path: '/' } } as unknown as SessionData;
}

describe('the Redis session store (connect-redis with a one-round-trip read)', () => {
  it('keeps a session under {sid}, and saving it already expired deletes that key', async () => {
    await call((cb) => store.set('sid-expiring', session(60_000), cb));
    expect(await redis.exists(`${keys.sessionPrefix}{sid-expiring}`)).toBe(1);
    await call((cb) => store.set('sid-expiring', session(-1_000), cb));
    expect(await redis.exists(`${keys.sessionPrefix}{sid-expiring}`)).toBe(0);
    expect(await redis.keys('*{{*')).toEqual([]);
  });

  it('lists session ids as express-session knows them, without the hash tag', async () => {
    await call((cb) => store.set('sid-listed', session(60_000), cb));
    const ids = await call<string[]>((cb) => store.ids(cb));
    expect(ids).toContain('sid-listed');
    const all = await call<{ id: string }[]>((cb) => store.all(cb));
    expect(all.map((s) => s.id)).toContain('sid-listed');
  });

  it('a listing that Redis refuses fails with our 503 error, whose cause names no session key', async () => {
    await call((cb) => store.set('sid-secret-listing', session(60_000), cb));
    const broken = server.client();
    const brokenStore = new WechatSessionStore({ redis: broken, keys, ttlMs: 60_000, wrapError: storeUnavailable });
    await broken.quit();
    for (const list of [(cb: never) => brokenStore.ids(cb), (cb: never) => brokenStore.clear(cb), (cb: never) => brokenStore.length(cb)]) {
      const error = await call(list as never).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('ERR_WECHAT_STORE_UNAVAILABLE');
      expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain('sid-secret-listing');
    }
  });
});
