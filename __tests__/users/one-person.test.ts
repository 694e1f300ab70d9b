import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestClock } from '../../lib/clock.js';
import { createMemoryStore } from '../../lib/storage/memory-store.js';
import { createRedisStore } from '../../lib/storage/redis-store.js';
import { createKeys } from '../../lib/store/keys.js';
import type { WechatStore } from '../../lib/store/types.js';
import { createWechatUsers } from '../../lib/users/user-grants.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

/**
 * One person through two apps of one Open Platform account (the Official Account and a website app): one user
 * when WeChat gives both logins the same unionid, two without one.
 */
const OFFICIAL = 'wx1111111111111111';
const WEBSITE = 'wx2222222222222222';
const tokens = { accessToken: 'AT', refreshToken: 'RT', expiresIn: 7200 };

let server: TestRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

let prefixes = 0;
const stores: Record<string, () => WechatStore> = {
  redis: () => createRedisStore({ redis: server.client(), appId: OFFICIAL, keyPrefix: `p${++prefixes}` }),
  memory: () => createMemoryStore({ appId: OFFICIAL }),
};

describe.each(Object.keys(stores))('the %s store', (kind) => {
  const newStore = stores[kind]!;

  it('finds the same user through either app by unionid: same id, createdAt kept, both openids known', async () => {
    const { users } = newStore();
    const viaWebsite = await users.upsert({ appId: WEBSITE, openid: 'o-web-alice', unionid: 'U-alice', nickname: 'Alice' }, tokens, 1_000);
    const viaOfficial = await users.upsert({ appId: OFFICIAL, openid: 'o-oa-alice', unionid: 'U-alice' }, tokens, 2_000);
    expect(viaOfficial.id).toBe(viaWebsite.id);
    expect(viaOfficial.createdAt).toEqual(new Date(1_000));
    expect(viaOfficial.updatedAt).toEqual(new Date(2_000));
    expect(viaOfficial.openids).toEqual({ [WEBSITE]: 'o-web-alice', [OFFICIAL]: 'o-oa-alice' });
    // The first app's openid stays `openid`; the profile of the first login stays too.
    expect(viaOfficial).toMatchObject({ openid: 'o-web-alice', unionid: 'U-alice', nickname: 'Alice' });
    expect((await users.findByOpenid('o-oa-alice'))?.id).toBe(viaWebsite.id);
    expect((await users.findByOpenid('o-web-alice', WEBSITE))?.id).toBe(viaWebsite.id);
    expect((await users.findByUnionid('U-alice'))?.id).toBe(viaWebsite.id);
  });

  it('keeps two users for two openids of two apps without a unionid', async () => {
    const { users } = newStore();
    const viaOfficial = await users.upsert({ appId: OFFICIAL, openid: 'o-oa-bob' }, tokens, 1);
    const viaWebsite = await users.upsert({ appId: WEBSITE, openid: 'o-web-bob' }, tokens, 2);
    expect(viaWebsite.id).not.toBe(viaOfficial.id);
    expect(viaWebsite.openids).toEqual({ [WEBSITE]: 'o-web-bob' });
    expect(await users.findByOpenid('o-web-bob')).toBeNull(); // not an Official Account openid
    expect((await users.findByOpenid('o-web-bob', WEBSITE))?.id).toBe(viaWebsite.id);
  });

  it('keeps an openid of one app apart from the same string in another app', async () => {
    const { users } = newStore();
    const a = await users.upsert({ appId: OFFICIAL, openid: 'same' }, tokens, 1);
    const b = await users.upsert({ appId: WEBSITE, openid: 'same' }, tokens, 2);
    expect(b.id).not.toBe(a.id);
  });

  it('joins a base-scope user (no unionid yet) to the person once a login brings the unionid', async () => {
    const { users } = newStore();
    const base = await users.upsert({ appId: OFFICIAL, openid: 'o-oa-carol' }, tokens, 1);
    const full = await users.upsert({ appId: OFFICIAL, openid: 'o-oa-carol', unionid: 'U-carol' }, tokens, 2);
    expect(full.id).toBe(base.id);
    const web = await users.upsert({ appId: WEBSITE, openid: 'o-web-carol', unionid: 'U-carol' }, tokens, 3);
    expect(web.id).toBe(base.id);
    expect(web.createdAt).toEqual(new Date(1));
  });

  it('gives 50 concurrent first logins of one person through both apps one id', async () => {
    const { users } = newStore();
    // A second store on its own connection stands for a second process.
    const other = kind === 'redis' ? newStoreSameKeys() : undefined;
    const logins = Array.from({ length: 50 }, (_, i) => {
      const repo = other && i % 2 === 1 ? other.users : users;
      const appId = i % 4 < 2 ? OFFICIAL : WEBSITE;
      return repo.upsert({ appId, openid: `o-${appId}-dave`, unionid: 'U-dave' }, tokens, 10 + i);
    });
    const ids = new Set((await Promise.all(logins)).map((user) => user.id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect((await users.findByOpenid(`o-${OFFICIAL}-dave`))?.id).toBe(id);
    expect((await users.findByOpenid(`o-${WEBSITE}-dave`, WEBSITE))?.id).toBe(id);
    expect((await users.findById(id!))?.openids).toEqual({ [OFFICIAL]: `o-${OFFICIAL}-dave`, [WEBSITE]: `o-${WEBSITE}-dave` });
  });

  /** The last Redis store's keys, on a connection of its own. */
  function newStoreSameKeys(): WechatStore {
    return createRedisStore({ redis: server.client(), appId: OFFICIAL, keyPrefix: `p${prefixes}` });
  }

  it('signs the person out everywhere from either openid: the logins of both apps end', async () => {
    const store = newStore();
    const clock = createTestClock();
    const wechatUsers = createWechatUsers(store, clock, [OFFICIAL, WEBSITE]);
    const web = await store.users.upsert({ appId: WEBSITE, openid: 'o-web-erin', unionid: 'U-erin' }, tokens, 1);
    await store.users.upsert({ appId: OFFICIAL, openid: 'o-oa-erin', unionid: 'U-erin' }, tokens, 2);
    const grant = (openid: string) => ({ accessToken: 'AT', refreshToken: 'RT', expiresAt: 9e12, refreshExpiresAt: 9e12, expiresIn: 7200, scope: 's', openid, userId: web.id });
    const grants = [await store.grants.create(grant('o-web-erin'), 60_000), await store.grants.create(grant('o-oa-erin'), 60_000)];
    expect(await wechatUsers.signOutEverywhere('o-web-erin')).toBe(2);
    for (const id of grants) expect(await store.grants.get(id)).toBeNull();
    expect(await wechatUsers.signOutEverywhere('o-oa-erin')).toBe(0);
    expect((await wechatUsers.findByOpenid('o-web-erin'))?.id).toBe(web.id); // found in the website app without naming it
  });
});

describe('users stored before openids were kept per app', () => {
  it("read with their openid as the Official Account's, and a website login with their unionid finds them", async () => {
    const redis = server.client();
    const keys = createKeys('pre', OFFICIAL);
    await redis.hset(keys.user(7), { id: '7', openid: 'o-old', unionid: 'U-old', createdAt: '1600000000000', updatedAt: '1600000000000' });
    await redis.set(keys.userByOpenid('o-old'), '7');
    await redis.set(keys.userByUnionid('U-old'), '7');
    const { users } = createRedisStore({ redis, appId: OFFICIAL, keyPrefix: 'pre' });
    expect((await users.findById(7))?.openids).toEqual({ [OFFICIAL]: 'o-old' });
    const web = await users.upsert({ appId: WEBSITE, openid: 'o-web-old', unionid: 'U-old' }, tokens, 1);
    expect(web).toMatchObject({ id: 7, openid: 'o-old', createdAt: new Date(1_600_000_000_000) });
    expect(web.openids).toEqual({ [OFFICIAL]: 'o-old', [WEBSITE]: 'o-web-old' });
  });

  it("of 0.1.0's one-tag layout keep their id and createdAt through a website login with their unionid", async () => {
    const redis = server.client();
    const keys = createKeys('legacy', OFFICIAL);
    await redis.hset(keys.legacyUser(9), { id: '9', openid: 'o-legacy', unionid: 'U-legacy', createdAt: '1500000000000', updatedAt: '1500000000000' });
    await redis.set(keys.legacyUserByOpenid('o-legacy'), '9');
    await redis.set(keys.legacyUserByUnionid('U-legacy'), '9');
    await redis.set(keys.userSequence, '9');
    const { users } = createRedisStore({ redis, appId: OFFICIAL, keyPrefix: 'legacy' });
    const web = await users.upsert({ appId: WEBSITE, openid: 'o-web-legacy', unionid: 'U-legacy' }, tokens, 1);
    expect(web).toMatchObject({ id: 9, createdAt: new Date(1_500_000_000_000) });
    expect((await users.upsert({ appId: OFFICIAL, openid: 'o-legacy', unionid: 'U-legacy' }, tokens, 2)).id).toBe(9);
  });
});
