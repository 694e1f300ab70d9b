import { RedisStore } from 'connect-redis';
import type { RequestHandler } from 'express';
import session, { type CookieOptions } from 'express-session';
import type { Redis } from 'ioredis';
import { DEFAULTS } from '../../lib/index.js';

/** What every app under test shares, so that only the login code differs between them. */
export const SESSION_SECRET = 'bench-session-secret-0123456789abcdef0123456789';
/** The origin WeChat (the emulator) redirects to; the driver sends each callback to the app's real port. */
export const PUBLIC_URL = 'http://localhost:3000';
export const SESSION_NAME = DEFAULTS.sessionName;
export const SESSION_TTL_SECONDS = DEFAULTS.sessionTtlSeconds;
export const LOGIN_PATH = `${DEFAULTS.prefix}/login`;
export const CALLBACK_PATH = `${DEFAULTS.prefix}/callback`;
export const LOGOUT_PATH = `${DEFAULTS.prefix}/logout`;

/** The cookie createWechatLogin() resolves for an http publicUrl (see resolveSession in lib/config/config.ts). */
export const SESSION_COOKIE: CookieOptions = {
  httpOnly: true,
  sameSite: 'lax',
  secure: false,
  path: '/',
  maxAge: SESSION_TTL_SECONDS * 1000,
};

/** express-session on connect-redis as createWechatLogin() configures it: the comparison apps' session layer. */
export function comparisonSession(redis: Redis, prefix: string): RequestHandler {
  return session({
    name: SESSION_NAME,
    secret: SESSION_SECRET,
    store: new RedisStore({ client: redis, prefix, ttl: SESSION_TTL_SECONDS }),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: SESSION_COOKIE,
  });
}

/** The apps a host process can run; `example` is example-app/app.ts as `npm start` runs it. */
export type AppName = 'ours' | 'bare' | 'passport' | 'example';

export interface HostConfig {
  redisUrl: string;
  emulatorUrl: string;
  appId: string;
  appSecret: string;
  apps: AppName[];
  clockOffsetMs: number;
}

/** Messages between the orchestrator and a host process. */
export type ToHost = { type: 'clock'; offsetMs: number } | { type: 'cpu' } | { type: 'stop' };
export type FromHost =
  | { type: 'ready'; ports: Partial<Record<AppName, number>> }
  | { type: 'clock-set' }
  /** process.cpuUsage(), user + system, µs. */
  | { type: 'cpu'; micros: number }
  | { type: 'stopped' };
