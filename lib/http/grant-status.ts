/**
 * What the session read learned about the session's grant, without tokens: the guard's "is this login still
 * alive?" answered from the same Redis round trip that loaded the session. Kept beside the session data
 * object (not in it, so it is never saved back) for the length of one request.
 */
export interface GrantStatus {
  grantId: string;
  /** false when the grant is gone (logged out everywhere, expired) or WeChat refused its refresh token. */
  alive: boolean;
  /** When the current access token expires (ms since epoch), null when unknown. */
  accessTokenExpiresAt: number | null;
}

const statuses = new WeakMap<object, GrantStatus>();

export function rememberGrantStatus(sessionData: object, status: GrantStatus): void {
  statuses.set(sessionData, status);
}

export function grantStatusOf(sessionData: object | undefined): GrantStatus | undefined {
  return sessionData ? statuses.get(sessionData) : undefined;
}
