import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import type { WechatLogin } from '../../lib/index.js';
import { login, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { useRedisMonitor } from '../helpers/redis-monitor.js';

let world: LoginWorld;
let app: Express;
let wechat: WechatLogin;
useLoginSuite((suite) => ({ world, app, wechat } = suite), {
  routes: (app) => {
    app.get('/test/expiry', async (req, res) => void res.json({ expiresAt: await req.wechat.accessTokenExpiresAt() }));
  },
});

const monitor = useRedisMonitor(() => world.redisServer.port, () => world.redis.ping());
const sentByClients = () => monitor.seen.filter(({ source }) => source !== 'lua').map(({ args }) => args);

/** The session id inside the signed cookie `wechat.sid=s:<sid>.<signature>`. */
function sessionIdOf(res: request.Response): string {
  const cookie = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith('wechat.sid='))!;
  const value = decodeURIComponent(cookie.split(';')[0]!.slice('wechat.sid='.length));
  return value.slice(2, value.lastIndexOf('.'));
}

describe('the guard costs one Redis round trip and moves no token', () => {
  it('a guarded request sends one command: the session read that also checks the grant', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const grant = (await wechat.store.grants.get((await world.redis.keys('*:grant:*'))[0]!.replace(/.*\{(.*)\}$/, '$1')))!;
    // A first guarded request, so that nothing of the login (a write still on its way on a loaded machine) is
    // counted as the guard's: the request measured is the next one.
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
    await monitor.settle();
    monitor.reset();

    const res = await agent.get('/api/me').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    await monitor.settle();
    const commands = sentByClients();
    expect(commands).toHaveLength(1);
    // EVAL the first time this client runs the script, EVALSHA after that.
    expect(['eval', 'evalsha']).toContain(commands[0]![0]!.toLowerCase());
    const sent = JSON.stringify(commands);
    expect(sent).not.toContain(grant.accessToken);
    expect(sent).not.toContain(grant.refreshToken);
  });

  it('the session and its grant share a hash tag, and the read slides the session expiry', async () => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'bob' });
    const sid = sessionIdOf(callback);
    const [sessionKey] = await world.redis.keys(`*:sess:{${sid}}`);
    expect(sessionKey).toBeDefined();
    expect(await world.redis.exists(sessionKey!.replace(':sess:', ':grant:'))).toBe(1);
    await world.redis.pexpire(sessionKey!, 60_000);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
    expect(await world.redis.pttl(sessionKey!)).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
  });

  it('req.wechat.accessTokenExpiresAt() tells when the access token expires, from the same read', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const res = await agent.get('/test/expiry').set('Accept', 'application/json');
    expect(res.body.expiresAt).toBe(world.clock.now() + 7200 * 1000);
    expect((await request(app).get('/test/expiry')).body.expiresAt).toBeNull();
  });
});
