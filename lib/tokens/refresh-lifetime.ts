/** Refresh tokens live 30 days from the authorization; refreshing does not extend them. */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** When a grant's login (its authorization) happened, from its refresh token's fixed end. */
export function loggedInAtOf(grant: { refreshExpiresAt: number }): number {
  return grant.refreshExpiresAt - REFRESH_TOKEN_LIFETIME_MS;
}
