import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { buildApp, login, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';

/**
 * Upgrading from 0.1.0, which kept every user of an app under one hash tag (`wol:{<appId>:users}:id:<id>`, with
 * `…:openid:<openid>` and `…:unionid:<unionid>` indexes, and the id sequence `…:seq` that we still use).
 */
describe('users stored by 0.1.0', () => {
  let world: LoginWorld;
  let wechat: WechatLogin;
  let app: ReturnType<typeof buildApp>;
  let keys: ReturnType<typeof createKeys>;

  beforeAll(async () => {
    world = await startWorld();
    wechat = createWechatLogin(loginOptions(world));
    app = buildApp(wechat);
    keys = createKeys('wol', world.emulator.defaultApp.appId);
  });
  afterAll(async () => {
    await wechat.close();
    await world.stop();
  });

  /** Logs `user` in once, then moves their record to 0.1.0's layout, as if they had last logged in before upgrading. */
  async function storedBy010(user: string) {
    await login(request.agent(app), world.emulator, { user });
    const { redis } = world;
    const record = (await wechat.users.findByOpenid(world.emulator.openidFor(user)))!;
    expect(record).toBeTruthy();
    const raw = await redis.hgetall(keys.user(record.id));
    await redis.del(keys.user(record.id), keys.userByOpenid(record.openid));
    if (record.unionid) await redis.del(keys.userByUnionid(record.unionid));
    await redis.hset(keys.legacyUser(record.id), { ...raw, createdAt: '1600000000000' });
    await redis.set(keys.legacyUserByOpenid(record.openid), String(record.id));
    if (record.unionid) await redis.set(keys.legacyUserByUnionid(record.unionid), String(record.id));
    return record;
  }

  it('are found by id, openid and unionid where 0.1.0 left them, before they log in again', async () => {
    const before = await storedBy010('alice');
    expect(await world.redis.exists(keys.user(before.id))).toBe(0);
    const byId = await wechat.users.findById(before.id);
    expect(byId).toMatchObject({ id: before.id, openid: before.openid, nickname: before.nickname, createdAt: new Date(1_600_000_000_000) });
    expect(await wechat.users.findByOpenid(before.openid)).toEqual(byId);
    if (before.unionid) expect(await wechat.users.findByUnionid(before.unionid)).toEqual(byId);
  });

  it('keep their id and createdAt when they log in again, and are then stored in the new layout', async () => {
    const before = await storedBy010('bob');
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    const me = (await agent.get('/api/me').set('Accept', 'application/json')).body.user;
    expect(me.id).toBe(before.id);
    expect(me.createdAt).toBe(new Date(1_600_000_000_000).toISOString());
    expect(await world.redis.hget(keys.user(before.id), 'openid')).toBe(before.openid);
    expect(await world.redis.get(keys.userByOpenid(before.openid))).toBe(String(before.id));
  });

  it('a new user after the upgrade gets an id no user of 0.1.0 had (the sequence carries on)', async () => {
    await world.redis.set(keys.userSequence, '41');
    await world.redis.hset(keys.legacyUser(41), { id: '41', openid: 'o-legacy-41', createdAt: '1600000000000', updatedAt: '1600000000000' });
    await world.redis.set(keys.legacyUserByOpenid('o-legacy-41'), '41');
    const fresh = await wechat.users.upsert({ openid: 'o-after-upgrade' }, { accessToken: 'AT', refreshToken: 'RT', expiresIn: 7200 }, world.clock.now());
    expect(fresh.id).toBe(42);
    expect((await wechat.users.findById(41))?.openid).toBe('o-legacy-41');
  });
});
