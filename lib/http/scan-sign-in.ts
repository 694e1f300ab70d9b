import type { Request } from 'express';
import type { SessionLogin } from '../store/types.js';
import type { ScanTicketTokens } from '../store/scan-ticket-types.js';
import { toPublicUser } from '../store/user-model.js';
import { hasUserinfoScope } from '../wechat/service.js';
import type { WechatLoginRuntime } from './runtime.js';
import { regenerateSession, saveSession } from './session.js';

/**
 * Signs the desktop in with the tokens of the phone's authorization made for it: a new session id (no
 * fixation), and a grant of its own keyed by that id, so signing out on either device leaves the other
 * signed in, and neither's refresh touches the other's tokens. False when the user record is gone.
 */
export async function signInDesktop(
  { config, store, tokens: tokenManager }: Pick<WechatLoginRuntime, 'config' | 'store' | 'tokens'>,
  req: Request,
  tokens: ScanTicketTokens,
): Promise<boolean> {
  const user = await store.users.findById(tokens.userId);
  if (!user || user.openid !== tokens.openid) return false;
  const account = config.onLogin ? await config.onLogin(user, req) : undefined;
  const previousGrantId = req.session.wechat?.login?.grantId;
  await regenerateSession(req);
  const { grantId, refreshExpiresAt } = await tokenManager.createGrant(
    { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, expires_in: tokens.expiresIn, openid: tokens.openid, scope: tokens.scope },
    user.id,
    req.sessionID,
  );
  const login: SessionLogin = {
    userId: user.id,
    scope: hasUserinfoScope(tokens.scope) ? 'snsapi_userinfo' : 'snsapi_base',
    grantId,
    loggedInAt: config.clock.now(),
    refreshExpiresAt,
    ...(account === undefined ? {} : { account }),
  };
  req.session.wechat = { login, user: toPublicUser(user) };
  await saveSession(req);
  if (previousGrantId && previousGrantId !== grantId) await tokenManager.revoke(previousGrantId).catch(() => undefined);
  return true;
}
