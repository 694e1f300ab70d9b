import { describe, expect, it } from '@jest/globals';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { createMemoryStore, createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
useLoginSuite((suite) => ({ world } = suite));

describe('session: false — the app brings its own express-session', () => {
  it('logs in through the app’s session middleware', async () => {
    const wechat = createWechatLogin(loginOptions(world, { session: false }), { warn: () => undefined });
    const app = express();
    app.use(session({ secret: 'app-own-secret-app-own-secret-0000', resave: false, saveUninitialized: false, name: 'app.sid' }));
    const full = buildApp(wechat);
    app.use(full);
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'bob', returnTo: '/api/me' });
    expect(callback.status).toBe(302);
    expect(([] as string[]).concat(callback.headers['set-cookie']).some((c) => c.startsWith('app.sid='))).toBe(true);
    const me = await agent.get('/api/me').set('Accept', 'application/json');
    expect(me.status).toBe(200);
    expect(me.body.user.openid).toBe(world.emulator.openidFor('bob'));
    await wechat.close();
  });

  it('tells the developer when no session middleware is mounted', async () => {
    const wechat = createWechatLogin(loginOptions(world, { session: false }), { warn: () => undefined });
    const app = buildApp(wechat);
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).send(error.message));
    const res = await request(app).get('/auth/wechat/login');
    expect(res.status).toBe(500);
    expect(res.text).toContain('mount express-session before the router');
  });
});

describe('the in-memory store (one-process demo)', () => {
  it('logs in and refreshes without Redis, and warns that it is not for production', async () => {
    const warnings: string[] = [];
    const { redis: _redis, ...options } = loginOptions(world);
    const wechat: WechatLogin = createWechatLogin({ ...options, store: createMemoryStore({ clock: world.clock }) }, { warn: (m) => warnings.push(m) });
    expect(warnings.some((w) => w.includes('in-memory store') && w.includes('Not for production'))).toBe(true);
    const app = buildApp(wechat);
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const first = await agent.get('/api/token').set('Accept', 'application/json');
    expect(first.status).toBe(200);
    world.clock.advance(3 * 3600_000);
    const refreshesBefore = world.emulator.calls.refresh_token;
    const second = await agent.get('/api/token').set('Accept', 'application/json');
    expect(second.status).toBe(200);
    expect(second.body.token).not.toBe(first.body.token);
    expect(world.emulator.calls.refresh_token).toBe(refreshesBefore + 1);
    await wechat.close();
  });
});

describe('errors that are not ours', () => {
  it('passes an exception from onLogin to the app’s error handler, and nobody is logged in', async () => {
    const wechat = createWechatLogin(
      loginOptions(world, { onLogin: () => Promise.reject(new Error('account service down')) }),
      { warn: () => undefined },
    );
    const app = buildApp(wechat);
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(502).send(`app saw: ${error.message}`));
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'alice' });
    expect(callback.status).toBe(502);
    expect(callback.text).toBe('app saw: account service down');
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
    await wechat.close();
  });
});
