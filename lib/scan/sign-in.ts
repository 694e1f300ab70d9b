import type { Request } from 'express';
import type { ScanTicketTokens } from '../store/scan-ticket-types.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import { regenerateSession } from '../session/session.js';
import { signInSession } from '../login/sign-in-session.js';

/**
 * Signs the desktop in with the tokens of the phone's authorization made for it: a new session id (no
 * fixation), and a grant of its own keyed by that id, so signing out on either device leaves the other
 * signed in, and neither's refresh touches the other's tokens. False when the user record is gone.
 */
export async function signInDesktop(
  runtime: Pick<WechatLoginRuntime, 'config' | 'store' | 'tokens'>,
  req: Request,
  tokens: ScanTicketTokens,
): Promise<boolean> {
  const { config, store } = runtime;
  const user = await store.users.findById(tokens.userId);
  if (!user || user.openid !== tokens.openid) return false;
  const account = config.onLogin ? await config.onLogin(user, req) : undefined;
  const previousGrantId = req.session.wechat?.login?.grantId;
  await regenerateSession(req);
  const grantTokens = { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, expires_in: tokens.expiresIn, openid: tokens.openid, scope: tokens.scope };
  await signInSession(runtime, req, { user, tokens: grantTokens, account, previousGrantId });
  return true;
}
