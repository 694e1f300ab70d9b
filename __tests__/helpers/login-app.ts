import express, { type Express } from 'express';
import request from 'supertest';
import type { Redis } from 'ioredis';
import type { WechatLogin, WechatLoginOptions } from '../../lib/index.js';
import { createTestClock, startWechatEmulator, type TestClock, type WechatEmulator, type WechatEmulatorOptions } from '../../lib/testing/index.js';
import { startRedisServer, type RedisServerOptions, type TestRedisServer } from './redis-server.js';

export const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
export const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** A real redis-server and a WeChat emulator sharing one test clock. */
export interface LoginWorld {
  redisServer: TestRedisServer;
  redis: Redis;
  emulator: WechatEmulator;
  clock: TestClock;
  stop(): Promise<void>;
}

export interface WorldOptions {
  redis?: RedisServerOptions;
  emulator?: Omit<WechatEmulatorOptions, 'clock'>;
}

export async function startWorld(options: WorldOptions = {}): Promise<LoginWorld> {
  const clock = createTestClock();
  const [redisServer, emulator] = await Promise.all([startRedisServer(options.redis), startWechatEmulator({ ...options.emulator, clock })]);
  const redis = redisServer.client();
  return {
    redisServer,
    redis,
    emulator,
    clock,
    async stop() {
      await emulator.close();
      await redisServer.stop();
    },
  };
}

export function loginOptions(world: LoginWorld, overrides: Partial<WechatLoginOptions> = {}): WechatLoginOptions {
  return {
    appId: world.emulator.defaultApp.appId,
    appSecret: world.emulator.defaultApp.appSecret,
    redis: world.redis,
    session: { secret: 'test-session-secret-that-is-long-enough-000' },
    apiBaseUrl: world.emulator.apiBaseUrl,
    authorizeBaseUrl: world.emulator.authorizeBaseUrl,
    publicUrl: 'http://localhost:3000',
    clock: world.clock,
    timeoutMs: 1_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    // A suite sends made-up codes, bad callbacks and scan codes from 127.0.0.1 far more often than the defaults
    // allow in a minute of its test clock; the per-address limits have their own tests (hostile/floods), the
    // per-browser cap on open logins stays at its default here.
    rateLimit: { refusedCodesPerMinutePerIp: 100_000, badCallbacksPerMinutePerIp: 100_000, scanCodesPerMinutePerIp: 100_000 },
    ...overrides,
  };
}

/** An Express app as a user would write it: the router, guarded pages and an API, the error handler last. */
export function buildApp(wechat: WechatLogin, configure?: (app: Express) => void): Express {
  const app = express();
  app.use(wechat.router);
  app.get('/', (_req, res) => void res.send('home'));
  app.get('/profile', wechat.requireWechatUser(), (req, res) => void res.send(`hello ${req.wechat.user?.nickname ?? req.wechat.openid}`));
  app.get('/full', wechat.requireWechatUser({ scope: 'snsapi_userinfo' }), (req, res) => void res.send(`full ${req.wechat.user?.nickname}`));
  app.get('/api/me', wechat.requireWechatUser(), (req, res) => void res.json({ user: req.wechat.user, scope: req.wechat.scope }));
  app.get('/api/token', wechat.requireWechatUser(), async (req, res) => void res.json({ token: await req.wechat.getAccessToken() }));
  app.get('/api/wechat-profile', wechat.requireWechatUser(), async (req, res) => void res.json(await req.wechat.fetchUserInfo()));
  configure?.(app);
  app.use(wechat.errorHandler());
  return app;
}

export type Agent = ReturnType<typeof request.agent>;

export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export interface LoginSteps {
  authorizeUrl: string;
  callbackUrl: string;
  callback: request.Response;
}

/** Walks a whole login: our /login, WeChat's authorize page (choosing `user`), our /callback. */
export async function login(
  agent: Agent,
  emulator: WechatEmulator,
  { user = 'alice', returnTo, scope, consent = 'allow', prefix = '/auth/wechat' }: { user?: string; returnTo?: string; scope?: string; consent?: 'allow' | 'deny'; prefix?: string } = {},
): Promise<LoginSteps> {
  const query = new URLSearchParams();
  if (returnTo !== undefined) query.set('returnTo', returnTo);
  if (scope) query.set('scope', scope);
  const start = await agent.get(`${prefix}/login${query.size ? `?${query}` : ''}`).set('User-Agent', WECHAT_UA);
  if (start.status !== 302) throw new Error(`login answered ${start.status}`);
  const authorizeUrl = start.headers.location as string;
  const callbackUrl = emulator.authorize(authorizeUrl, { user, consent });
  const callback = await agent.get(pathOf(callbackUrl)).set('User-Agent', WECHAT_UA);
  return { authorizeUrl, callbackUrl, callback };
}

