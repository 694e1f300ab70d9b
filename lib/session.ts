import type { RequestHandler, Request } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type { Redis } from 'ioredis';
import type { ResolvedSessionConfig } from './config.js';
import type { SessionLogin } from './store/types.js';
import type { WechatPublicUser } from './user-model.js';
import type { WechatScope } from './wechat-types.js';

/** What this package keeps in express-session (never tokens: those live in the grant, see tokens.ts). */
export interface WechatSessionData {
  login?: SessionLogin;
  /** The user record without tokens, as of login. */
  user?: WechatPublicUser;
  /** Set when WeChat refused the refresh token: the guard sends the user through authorization again. */
  reauthorize?: { scope: WechatScope };
  /** Browser-binding secret of logins started from this session (see login-state.ts). */
  binder?: string;
}

declare module 'express-session' {
  interface SessionData {
    wechat?: WechatSessionData;
  }
}

export function createSessionMiddleware(
  config: ResolvedSessionConfig,
  redis: Redis | undefined,
  keyPrefix: string,
): RequestHandler {
  const store = redis
    ? new RedisStore({ client: redis, prefix: keyPrefix, ttl: config.ttlSeconds })
    : undefined; // express-session's MemoryStore: for the one-process demo only (it warns in production)
  return session({
    name: config.name,
    secret: config.secret,
    ...(store ? { store } : {}),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // Lets `secure: 'auto'` and secure cookies work behind a TLS-terminating proxy with `trust proxy` set.
    proxy: undefined,
    cookie: config.cookie,
  });
}

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
}
