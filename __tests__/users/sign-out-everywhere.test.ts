import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import session from 'express-session';
import request from 'supertest';
import {
  ERR_INVALID_ARGUMENT,
  MAX_GRANTS_PER_USER,
  createMemoryStore,
  createRedisStore,
  createTestClock,
  type WechatStore,
} from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { createMemoryUserGrants } from '../../lib/users/memory-user-grants.js';
import { startWorld, type LoginWorld } from '../helpers/login-app.js';
import { asBrowser, freshPrefix, instance, loggedInBrowser, sessionIdOf, type Instance } from './secrets-helpers.js';

/**
 * wechat.users.signOutEverywhere(openid): every login of one user ends at once, in every process (a stolen
 * phone, a banned account); everybody else stays logged in.
 */

const DAY_MS = 24 * 3600 * 1000;
const GRANT_TTL_MS = 30 * DAY_MS;

let world: LoginWorld;
const started: Instance[] = [];
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(started.map(({ wechat }) => wechat.close()));
  await world.stop();
});
function app(overrides: Parameters<typeof instance>[1]): Instance {
  const made = instance(world, overrides);
  started.push(made);
  return made;
}

const appId = () => world.emulator.defaultApp.appId;
const openid = (user: string) => world.emulator.openidFor(user);

/** Each browser's answer on each app: 200 logged in, 401 anonymous (JSON callers). */
async function statuses(apps: Instance[], cookies: string[]): Promise<number[]> {
  const answers = await Promise.all(apps.flatMap((one) => cookies.map((cookie) => asBrowser(one.app, cookie, '/api/me', true))));
  return answers.map((answer) => answer.status);
}

describe('on Redis, two app instances', () => {
  it('ends the 3 sessions of one user on both instances; the other user stays; tokens and the list are gone', async () => {
    const keyPrefix = freshPrefix('everywhere');
    const keys = createKeys(keyPrefix, appId());
    const [one, two] = [app({ keyPrefix }), app({ keyPrefix })];
    const alice = [await loggedInBrowser(one.app, world, 'alice'), await loggedInBrowser(two.app, world, 'alice'), await loggedInBrowser(one.app, world, 'alice')];
    const bob = await loggedInBrowser(two.app, world, 'bob');
    expect(await statuses([one, two], [...alice, bob])).toEqual(Array(8).fill(200));
    const aliceId = (await one.wechat.users.findByOpenid(openid('alice')))!.id;
    const bobId = (await one.wechat.users.findByOpenid(openid('bob')))!.id;
    expect(await world.redis.zcard(keys.userGrants(aliceId))).toBe(3);
    for (const cookie of alice) expect(await world.redis.exists(keys.sessionOfGrant(sessionIdOf(cookie)))).toBe(1);

    expect(await two.wechat.users.signOutEverywhere(openid('alice'))).toBe(3);

    expect(await statuses([one, two], alice)).toEqual(Array(6).fill(401));
    for (const cookie of alice) {
      const page = await asBrowser(one.app, cookie, '/profile');
      expect(page.status).toBe(302);
      expect(page.headers.location).toMatch(/^\/auth\/wechat\/login\?/);
      const sid = sessionIdOf(cookie);
      expect(await world.redis.exists(keys.grant(sid), keys.grantLock(sid), keys.sessionOfGrant(sid))).toBe(0);
    }
    expect(await world.redis.exists(keys.userGrants(aliceId))).toBe(0);
    expect(await world.redis.hmget(keys.user(aliceId), 'accessToken', 'refreshToken', 'openid')).toEqual(['', '', openid('alice')]);

    expect(await statuses([one, two], [bob])).toEqual([200, 200]);
    expect(await world.redis.zrange(keys.userGrants(bobId), 0, -1)).toEqual([sessionIdOf(bob)]);
    const ttl = await world.redis.pttl(keys.userGrants(bobId));
    expect(ttl).toBeGreaterThan(GRANT_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(GRANT_TTL_MS);

    // Signed in again afterwards: a new login, listed again.
    const again = await loggedInBrowser(one.app, world, 'alice');
    expect(await statuses([two], [again])).toEqual([200]);
    expect(await world.redis.zcard(keys.userGrants(aliceId))).toBe(1);
  });

  it('answers 0 for an unknown openid or a user with no login left, and refuses a missing openid', async () => {
    const keyPrefix = freshPrefix('nobody');
    const one = app({ keyPrefix });
    expect(await one.wechat.users.signOutEverywhere('o-nobody-has-this-openid')).toBe(0);
    await loggedInBrowser(one.app, world, 'alice');
    expect(await one.wechat.users.signOutEverywhere(openid('alice'))).toBe(1);
    expect(await one.wechat.users.signOutEverywhere(openid('alice'))).toBe(0);
    await expect(one.wechat.users.signOutEverywhere('')).rejects.toMatchObject({ code: ERR_INVALID_ARGUMENT, status: 400 });
    await expect(one.wechat.users.signOutEverywhere(undefined as unknown as string)).rejects.toMatchObject({ code: ERR_INVALID_ARGUMENT });
  });

  it('a logout takes its login off the list', async () => {
    const keyPrefix = freshPrefix('logout');
    const keys = createKeys(keyPrefix, appId());
    const one = app({ keyPrefix });
    const [stays, leaves] = [await loggedInBrowser(one.app, world, 'alice'), await loggedInBrowser(one.app, world, 'alice')];
    const aliceId = (await one.wechat.users.findByOpenid(openid('alice')))!.id;
    const logout = await request(one.app)
      .post('/auth/wechat/logout')
      .set('Cookie', leaves)
      .set('Origin', 'http://localhost:3000')
      .set('Accept', 'application/json');
    expect(logout.status).toBe(204);
    expect(await world.redis.zrange(keys.userGrants(aliceId), 0, -1)).toEqual([sessionIdOf(stays)]);
  });

  it('with sessions in a store of your own: those browsers are anonymous too (their grants are gone)', async () => {
    const keyPrefix = freshPrefix('own-sessions');
    const sessions = new session.MemoryStore();
    const one = app({ keyPrefix, session: { secret: 'test-session-secret-that-is-long-enough-000', store: sessions } });
    const [alice, bob] = [await loggedInBrowser(one.app, world, 'alice'), await loggedInBrowser(one.app, world, 'bob')];
    expect(await one.wechat.users.signOutEverywhere(openid('alice'))).toBe(1);
    expect(await statuses([one], [alice, bob])).toEqual([401, 200]);
    const page = await asBrowser(one.app, alice, '/profile');
    expect(page.status).toBe(302);
  });
});

describe('the per-user list stays bounded and expiring', () => {
  const grant = (userId: number) => ({
    accessToken: 'at',
    refreshToken: 'rt',
    expiresAt: Date.now() + 7_200_000,
    refreshExpiresAt: Date.now() + GRANT_TTL_MS,
    expiresIn: 7200,
    scope: 'snsapi_base',
    openid: `o${userId}`,
    userId,
  });

  it(`keeps the ${MAX_GRANTS_PER_USER} newest logins of a user: the next one ends the oldest, its session too`, async () => {
    const keyPrefix = freshPrefix('cap');
    const keys = createKeys(keyPrefix, appId());
    const store = createRedisStore({ redis: world.redis, appId: appId(), keyPrefix });
    const ids = Array.from({ length: MAX_GRANTS_PER_USER + 2 }, (_, i) => `g${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await world.redis.set(keys.sessionOfGrant(id), '{}', 'PX', 60_000);
      await store.grants.create(grant(7), GRANT_TTL_MS, id);
    }
    expect(await world.redis.zcard(keys.userGrants(7))).toBe(MAX_GRANTS_PER_USER);
    for (const gone of ids.slice(0, 2)) expect(await world.redis.exists(keys.grant(gone), keys.sessionOfGrant(gone))).toBe(0);
    expect(await world.redis.exists(keys.grant(ids[2]!), keys.sessionOfGrant(ids[2]!))).toBe(2);
    expect(await store.grants.deleteAllOfUser(7)).toBe(MAX_GRANTS_PER_USER);
    expect(await world.redis.keys(`${keyPrefix}:*`)).toEqual([]);
  });

  it('drops expired logins when the next one is listed, and expires with its longest-lived login', async () => {
    const keyPrefix = freshPrefix('expiry');
    const keys = createKeys(keyPrefix, appId());
    const store = createRedisStore({ redis: world.redis, appId: appId(), keyPrefix });
    await store.grants.create(grant(8), 30, 'short');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await store.grants.create(grant(8), 5_000, 'longer');
    expect(await world.redis.zrange(keys.userGrants(8), 0, -1)).toEqual(['longer']);
    const ttl = await world.redis.pttl(keys.userGrants(8));
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it('in memory, by the injected clock: the cap and the expiry alike', async () => {
    const clock = createTestClock();
    const index = createMemoryUserGrants(clock, 3);
    expect(await index.add(1, 'a', 1_000)).toEqual([]);
    await index.add(1, 'b', 1_000);
    await index.add(1, 'c', 1_000);
    expect(await index.add(1, 'd', 1_000)).toEqual(['a']);
    expect(await index.list(1)).toEqual(['b', 'c', 'd']);
    clock.advance(1_000);
    expect(await index.list(1)).toEqual([]);
    await index.add(1, 'e', 1_000);
    expect(await index.list(1)).toEqual(['e']);
  });
});

describe('the memory store', () => {
  it("ends one user's logins and leaves the others", async () => {
    const store: WechatStore = createMemoryStore({ clock: world.clock });
    const one = app({ redis: undefined, store });
    const alice = [await loggedInBrowser(one.app, world, 'alice'), await loggedInBrowser(one.app, world, 'alice')];
    const bob = await loggedInBrowser(one.app, world, 'bob');
    expect(await statuses([one], [...alice, bob])).toEqual([200, 200, 200]);
    expect(await one.wechat.users.signOutEverywhere(openid('alice'))).toBe(2);
    expect(await statuses([one], [...alice, bob])).toEqual([401, 401, 200]);
    expect(await store.grants.get(sessionIdOf(alice[0]!))).toBeNull();
    expect((await store.users.findByOpenid(openid('alice')))?.refreshToken).toBe('');
    expect(await one.wechat.users.signOutEverywhere(openid('alice'))).toBe(0);
  });
});
