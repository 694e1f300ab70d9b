/**
 * What the session read learned about the session's grant, without tokens: the guard's "is this login still
 * alive?" answered from the same Redis round trip that loaded the session. Kept on the session data object
 * under a symbol: JSON.stringify skips it, so it is never saved back nor part of express-session's hash.
 */
export interface GrantStatus {
  grantId: string;
  /** false when the grant is gone (logged out everywhere, expired) or WeChat refused its refresh token. */
  alive: boolean;
  /** When the current access token expires (ms since epoch), null when unknown. */
  accessTokenExpiresAt: number | null;
}

const GRANT_STATUS = Symbol('wechat.grantStatus');
type WithStatus = { [GRANT_STATUS]?: GrantStatus };

export function rememberGrantStatus(sessionData: object, status: GrantStatus): void {
  (sessionData as WithStatus)[GRANT_STATUS] = status;
}

export function grantStatusOf(sessionData: object | undefined): GrantStatus | undefined {
  return (sessionData as WithStatus | undefined)?.[GRANT_STATUS];
}
