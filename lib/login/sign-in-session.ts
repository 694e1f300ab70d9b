import type { Request } from 'express';
import type { SessionLogin, WechatAccount } from '../store/types.js';
import { toPublicUser, type WechatPublicAuthModel } from '../store/user-model.js';
import { hasUserinfoScope } from '../wechat/service.js';
import type { WechatAccessTokenResponse } from '../wechat/types.js';
import type { WechatLoginRuntime } from './runtime.js';
import { saveSession } from '../session/session.js';
import { REFRESH_TOKEN_LIFETIME_MS } from '../tokens/refresh-lifetime.js';

export interface SessionSignIn {
  user: WechatPublicAuthModel;
  tokens: WechatAccessTokenResponse;
  /** What onLogin returned, kept in the session. */
  account: WechatAccount | undefined;
  /** The grant of the login this one replaces (read before the session was regenerated). */
  previousGrantId: string | undefined;
  /** Writes to send together with the session's save (same round trip), given the login. */
  alongside?: (login: SessionLogin) => Promise<unknown>[];
  /** Set for a login through the website app: its grant is refreshed with that app's credentials. */
  app?: { kind: 'website'; appId: string };
}

/**
 * Signs a fresh session in: a grant of its own keyed by the session id (the session and its grant share a hash
 * tag, so the guard reads both in one round trip) and the login saved in the session, sent together.
 */
export async function signInSession(
  runtime: Pick<WechatLoginRuntime, 'config' | 'tokens'>,
  req: Request,
  { user, tokens, account, previousGrantId, alongside, app }: SessionSignIn,
): Promise<SessionLogin> {
  // The grant is keyed by the session id, known already: the grant, the session's save and the caller's writes go
  // out together (the guard cannot read this session before the response carries its cookie).
  const grantId = req.sessionID;
  const login: SessionLogin = {
    userId: user.id,
    scope: hasUserinfoScope(tokens.scope) ? 'snsapi_userinfo' : 'snsapi_base',
    grantId,
    loggedInAt: runtime.config.clock.now(),
    refreshExpiresAt: runtime.config.clock.now() + REFRESH_TOKEN_LIFETIME_MS,
    ...(account === undefined ? {} : { account }),
    ...(app ? { app: app.kind } : {}),
  };
  const [grant, ...rest] = await Promise.allSettled([
    runtime.tokens.createGrant(tokens, user.id, grantId, app?.appId),
    saveLogin(runtime, req, login, user, previousGrantId),
    ...(alongside?.(login) ?? []),
  ]);
  const failed = [grant, ...rest].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    // A grant without its session could never be used nor signed out, a session without its grant is no login:
    // both go (best effort) with the failure.
    await Promise.all([runtime.tokens.revoke(grantId).catch(() => undefined), destroySession(req).catch(() => undefined)]);
    throw failed.reason;
  }
  return login;
}

/** Saves the login in the (fresh) session and forgets the grant of the login it replaces. */
export async function saveLogin(
  runtime: Pick<WechatLoginRuntime, 'tokens'>,
  req: Request,
  login: SessionLogin,
  user: WechatPublicAuthModel,
  previousGrantId: string | undefined,
): Promise<void> {
  req.session.wechat = { login, user: toPublicUser(user) };
  await saveSession(req);
  if (previousGrantId && previousGrantId !== login.grantId) await runtime.tokens.revoke(previousGrantId).catch(() => undefined);
}

function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
}
