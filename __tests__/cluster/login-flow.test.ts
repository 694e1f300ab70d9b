import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import calculateSlot from 'cluster-key-slot';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, login, pathOf, WECHAT_UA } from '../helpers/login-app.js';
import { HOUR_MS, refreshBehindOurBack, sessionCookieFrom, tokenTestRoutes } from '../tokens/token-helpers.js';

const json = { Accept: 'application/json' };

let world: ClusterWorld;
/** Built by us from seed nodes. */
let ours: WechatLogin;
/** On a Cluster the app made itself, with the options the README gives. */
let theirs: WechatLogin;
let apps: [Express, Express];

beforeAll(async () => {
  world = await startClusterWorld();
  ours = createWechatLogin(world.options(), { warn: () => undefined });
  theirs = createWechatLogin(world.options({ redis: world.cluster.client(CLUSTER_OPTIONS) }), { warn: () => undefined });
  apps = [buildApp(ours, tokenTestRoutes), buildApp(theirs, tokenTestRoutes)];
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  await ours?.close();
  await theirs?.close();
  await world?.stop();
});

/** /login on one instance, WeChat's consent, /callback on the other: the session cookie it ends with. */
async function loginAcross(from: Express, to: Express, user = 'alice'): Promise<string> {
  const start = await request(from).get('/auth/wechat/login?returnTo=/profile').set('User-Agent', WECHAT_UA);
  expect(start.status).toBe(302);
  // The login cookie (the binder) and the state's own cookie: what the browser brings back from WeChat.
  const nonce = new URL(start.headers.location as string).searchParams.get('state')!;
  const loginCookies = `${sessionCookieFrom(start, 'wechat.sid.login')}; ${sessionCookieFrom(start, `wechat.sid.login.${nonce}`)}`;
  const callbackUrl = world.emulator.authorize(start.headers.location as string, { user });
  const callback = await request(to).get(pathOf(callbackUrl)).set('User-Agent', WECHAT_UA).set('Cookie', loginCookies);
  expect(callback.status).toBe(302);
  expect(callback.headers.location).toBe('/profile');
  return sessionCookieFrom(callback);
}

const me = (app: Express, cookie: string) => request(app).get('/api/me').set(json).set('Cookie', cookie);
const token = (app: Express, cookie: string) => request(app).get('/api/token').set(json).set('Cookie', cookie);

describe('the whole login flow on a Redis Cluster (3 masters, 3 replicas), two app instances sharing it', () => {
  it('starts a login on one instance and completes it on the other; both serve the session and find the user', async () => {
    const cookie = await loginAcross(apps[0], apps[1]);
    const openid = world.emulator.openidFor('alice');
    for (const app of apps) {
      const res = await me(app, cookie);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ openid, nickname: '爱丽丝 Alice' });
    }
    const stored = await ours.users.findByOpenid(openid);
    expect(stored).toEqual(await theirs.users.findByUnionid(stored!.unionid!));
    expect(await theirs.users.findById(stored!.id)).toEqual(stored);

    // The session and its grant: one hash tag, so the session read's script runs on one node.
    const sid = decodeURIComponent(cookie.slice('wechat.sid='.length)).slice(2).split('.')[0]!;
    const keys = createKeys('wol', world.emulator.defaultApp.appId);
    expect(calculateSlot(`${keys.sessionPrefix}{${sid}}`)).toBe(calculateSlot(keys.grant(sid)));
    expect(await ours.store.grants.status(sid)).toMatchObject({ version: 1, dead: false });
  });

  it('refreshes once for 40 concurrent token requests over both instances', async () => {
    const cookie = await loginAcross(apps[1], apps[0], 'bob');
    const before = (await token(apps[0], cookie)).body.token;
    world.clock.advance(3 * HOUR_MS);
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => token(apps[i % 2]!, cookie)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(new Set(answers.map((a) => a.body.token)).size).toBe(1);
    expect(answers[0]!.body.token).not.toBe(before);
    expect(world.emulator.calls.refresh_token).toBe(1);
  });

  it('logs out on one instance: the other sees it at once, and authorizing again works', async () => {
    const cookie = await loginAcross(apps[0], apps[0]);
    expect((await me(apps[1], cookie)).status).toBe(200);
    expect((await request(apps[1]).post('/auth/wechat/logout').set(json).set('Cookie', cookie)).status).toBe(204);
    for (const app of apps) expect((await me(app, cookie)).status).toBe(401);
    const again = await loginAcross(apps[1], apps[0]);
    for (const app of apps) expect((await me(app, again)).status).toBe(200);
  });

  it('a refresh token WeChat no longer takes: 401, and a new authorization on the other instance works', async () => {
    const agent = request.agent(apps[0]);
    await login(agent, world.emulator, { user: 'alice' });
    const grantId = (await agent.get('/test/grant').set(json)).body.grantId as string;
    const grant = await ours.store.grants.get(grantId);
    expect((await refreshBehindOurBack(world.emulator, grant!.refreshToken)).access_token).toBeDefined();
    world.clock.advance(3 * HOUR_MS);
    const res = await agent.get('/api/token').set(json);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'wechat_login_required' });
    expect(await theirs.store.grants.status(grantId)).toMatchObject({ dead: true });

    const cookie = await loginAcross(apps[1], apps[1]);
    for (const app of apps) expect((await token(app, cookie)).status).toBe(200);
  });
});
