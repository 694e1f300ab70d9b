import type { Request } from 'express';
import type { SessionLogin, WechatAccount } from '../store/types.js';
import { toPublicUser, type WechatPublicAuthModel } from '../store/user-model.js';
import { hasUserinfoScope } from '../wechat/service.js';
import type { WechatAccessTokenResponse } from '../wechat/types.js';
import type { WechatLoginRuntime } from './runtime.js';
import { saveSession } from '../session/session.js';

export interface SessionSignIn {
  user: WechatPublicAuthModel;
  tokens: WechatAccessTokenResponse;
  /** What onLogin returned, kept in the session. */
  account: WechatAccount | undefined;
  /** The grant of the login this one replaces (read before the session was regenerated). */
  previousGrantId: string | undefined;
  /** Set for a login through the website app: its grant is refreshed with that app's credentials. */
  app?: { kind: 'website'; appId: string };
}

/**
 * Signs a fresh session in: a grant of its own keyed by the session id (the session and its grant share a hash
 * tag, so the guard reads both in one round trip), then the login saved in the session.
 */
export async function signInSession(
  runtime: Pick<WechatLoginRuntime, 'config' | 'tokens'>,
  req: Request,
  { user, tokens, account, previousGrantId, app }: SessionSignIn,
): Promise<SessionLogin> {
  const { grantId, refreshExpiresAt } = await runtime.tokens.createGrant(tokens, user.id, req.sessionID, app?.appId);
  const login: SessionLogin = {
    userId: user.id,
    scope: hasUserinfoScope(tokens.scope) ? 'snsapi_userinfo' : 'snsapi_base',
    grantId,
    loggedInAt: runtime.config.clock.now(),
    refreshExpiresAt,
    ...(account === undefined ? {} : { account }),
    ...(app ? { app: app.kind } : {}),
  };
  try {
    await saveLogin(runtime, req, login, user, previousGrantId);
  } catch (error) {
    // A grant without its session could never be used nor signed out: it goes (best effort) with the failure.
    await runtime.tokens.revoke(grantId).catch(() => undefined);
    throw error;
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
