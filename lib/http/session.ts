import type { RequestHandler, Request } from 'express';
import session, { type SessionData, type Store } from 'express-session';
import { ERR_STORE_UNAVAILABLE, WechatLoginError } from '../errors.js';
import { RedisStore } from 'connect-redis';
import type { Redis } from 'ioredis';
import type { ResolvedSessionConfig } from '../config.js';
import type { SessionLogin } from '../store/types.js';
import type { WechatPublicUser } from '../store/user-model.js';
import type { WechatScope } from '../wechat/types.js';

/** What this package keeps in express-session (never tokens: those live in the grant, see tokens.ts). */
export interface WechatSessionData {
  login?: SessionLogin;
  /** The user record without tokens, as of login. */
  user?: WechatPublicUser;
  /** Set when WeChat refused the refresh token: the guard sends the user through authorization again. */
  reauthorize?: { scope: WechatScope };
}

declare module 'express-session' {
  interface SessionData {
    wechat?: WechatSessionData;
  }
}

/** express-session on `store`; without one, express-session's MemoryStore (the one-process demo only). */
export function createSessionMiddleware(config: ResolvedSessionConfig, store: Store | undefined): RequestHandler {
  return session({
    name: config.name,
    secret: config.secret,
    ...(store ? { store } : {}),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: config.cookie,
  });
}

/** connect-redis on our Redis, keys under `keyPrefix`, with the session's TTL. */
export function createRedisSessionStore(redis: Redis, keyPrefix: string, ttlSeconds: number): Store {
  return new TransientErrorRedisStore({ client: redis, prefix: keyPrefix, ttl: ttlSeconds });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StoreCallback = (error?: any, data?: any) => any;

/** connect-redis, with Redis failures turned into our 503 "store unavailable" instead of a 500 with a stack. */
class TransientErrorRedisStore extends RedisStore {
  override get(sid: string, cb?: StoreCallback) {
    return super.get(sid, asTransient(cb));
  }
  override set(sid: string, sess: SessionData, cb?: StoreCallback) {
    return super.set(sid, sess, asTransient(cb));
  }
  override touch(sid: string, sess: SessionData, cb?: StoreCallback) {
    return super.touch(sid, sess, asTransient(cb));
  }
  override destroy(sid: string, cb?: StoreCallback) {
    return super.destroy(sid, asTransient(cb));
  }
}

function asTransient(cb: StoreCallback | undefined): StoreCallback | undefined {
  if (!cb) return cb;
  return (error, data) =>
    error
      ? cb(new WechatLoginError('session store unavailable', { code: ERR_STORE_UNAVAILABLE, status: 503, cause: error }))
      : cb(undefined, data);
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
