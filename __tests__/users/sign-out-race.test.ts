import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMemoryStore, createRedisStore, type WechatStore } from '../../lib/index.js';
import { createWechatUsers } from '../../lib/users/user-grants.js';
import type { GrantStore } from '../../lib/store/types.js';
import { REFRESH_TOKEN_LIFETIME_MS } from '../../lib/tokens/refresh-lifetime.js';
import { saveTokens } from '../../lib/tokens/save-tokens.js';
import { createTestClock } from '../../lib/testing/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

/**
 * A refresh saves its new tokens to the grant, then copies them onto the user record. A sign-out everywhere that
 * lands between the two deletes the grant and clears the record's tokens: the refresh's late copy must not put
 * live tokens back on the record of a user who was just signed out.
 */
let server: TestRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

const stores: Array<[string, () => WechatStore]> = [
  ['redis', () => createRedisStore({ redis: server.client(), appId: 'wx0123456789abcdef', keyPrefix: `r${Math.random().toString(36).slice(2, 8)}` })],
  ['memory', () => createMemoryStore()],
];

describe.each(stores)('sign out everywhere racing a refresh (%s store)', (_name, makeStore) => {
  async function loggedIn(store: WechatStore, now: number) {
    const user = await store.users.upsert({ openid: 'o-racer' }, { accessToken: 'AT-login', refreshToken: 'RT-login', expiresIn: 7200 }, now);
    const grant = {
      accessToken: 'AT-login', refreshToken: 'RT-login', expiresAt: now + 7_200_000, refreshExpiresAt: now + REFRESH_TOKEN_LIFETIME_MS,
      expiresIn: 7200, scope: 'snsapi_base', openid: 'o-racer', userId: user.id,
    };
    const grantId = await store.grants.create(grant, REFRESH_TOKEN_LIFETIME_MS);
    return { user, grantId };
  }

  it('a refresh whose grant was saved just before the sign-out does not copy its tokens back onto the user', async () => {
    const store = makeStore();
    const clock = createTestClock();
    const users = createWechatUsers(store, clock);
    const { user, grantId } = await loggedIn(store, clock.now());
    clock.advance(3 * 3_600_000);
    // The sign-out lands right after the refresh wrote the grant, before it copies onto the user record.
    const racingGrants: GrantStore = Object.create(store.grants, {
      replaceTokens: {
        value: async (...args: Parameters<GrantStore['replaceTokens']>) => {
          const saved = await store.grants.replaceTokens(...args);
          expect(await users.signOutEverywhere('o-racer')).toBe(1);
          return saved;
        },
      },
    });
    const fresh = { accessToken: 'AT-refreshed', refreshToken: 'RT-login', expiresAt: clock.now() + 7_200_000, expiresIn: 7200, scope: 'snsapi_base' };
    const saved = await saveTokens({ grants: racingGrants, users: store.users, clock }, grantId, 1, fresh);
    expect(saved?.accessToken).toBe('AT-refreshed');
    const record = await store.users.findById(user.id);
    expect(record).toMatchObject({ accessToken: '', refreshToken: '' });
    expect(await store.grants.status(grantId)).toBeNull();
  });

  it('a login after the sign-out copies its refreshed tokens as usual', async () => {
    const store = makeStore();
    const clock = createTestClock();
    const users = createWechatUsers(store, clock);
    await loggedIn(store, clock.now());
    clock.advance(60_000);
    await users.signOutEverywhere('o-racer');
    clock.advance(60_000);
    const { user, grantId } = await loggedIn(store, clock.now());
    clock.advance(3 * 3_600_000);
    const fresh = { accessToken: 'AT-next', refreshToken: 'RT-login', expiresAt: clock.now() + 7_200_000, expiresIn: 7200, scope: 'snsapi_base' };
    await saveTokens({ grants: store.grants, users: store.users, clock }, grantId, 1, fresh);
    expect((await store.users.findById(user.id))?.accessToken).toBe('AT-next');
  });
});
