import type { RequestHandler, Request } from 'express';
import session, { type Store } from 'express-session';
import type { ResolvedSessionConfig } from '../config/config.js';
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

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
}
