import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import express, { type Express } from 'express';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { OURS } from './helpers/hostile-world.js';

/**
 * A path parameter of ours that does not decode (`%ff`, the overlong `%C0%AF`) is a short 400 of ours, page or
 * JSON, with our headers: never Express's 500 with a URIError stack and file paths, nor a stack in the log, in
 * an app with our error handler and in a bare one (development mode, where Express shows and logs stacks).
 */
let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;
let bare: Express;

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world), { warn: () => undefined });
  app = buildApp(wechat);
  bare = express();
  bare.set('env', 'development');
  bare.use(wechat.router);
});

afterAll(async () => {
  await wechat?.close();
  await world?.stop();
});

const TARGETS: [string, string][] = [
  ['GET', '/auth/wechat/scan/t/%ff'],
  ['GET', '/auth/wechat/scan/t/%C0%AF'],
  ['GET', '/auth/wechat/scan/t/%E0%A4%A'],
  ['POST', '/auth/wechat/scan/t/%ff/confirm'],
  ['POST', '/auth/wechat/scan/t/%C0%AF/cancel'],
];

describe.each([
  ['with our error handler', () => app],
  ['in a bare Express app', () => bare],
])('undecodable parameters %s', (_name, appOf) => {
  it.each(TARGETS)('%s %s → 400, a short page of ours, nothing in the log', async (method, path) => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const call = method === 'GET' ? request(appOf()).get(path) : request(appOf()).post(path).set('Origin', OURS).type('form').send('csrf=x');
      const res = await call.set('User-Agent', WECHAT_UA).set('Accept', 'text/html');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.text).toContain('data-message="bad-address"');
      expect(res.text).not.toMatch(/URIError|at [A-Za-z.]+ \(|node_modules|\/lib\//);
      expect(res.text.length).toBeLessThan(10_000);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('a JSON caller gets { error: "bad_request" }', async () => {
    const res = await request(appOf()).get('/auth/wechat/scan/t/%ff').set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
