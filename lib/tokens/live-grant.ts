import { ReauthorizationRequiredError } from '../errors.js';
import type { GrantRecord, GrantStore } from '../store/types.js';

// Defined beside the other errors, so the store can raise it for tokens it cannot decrypt.
export { ReauthorizationRequiredError };

/** The grant as stored, or ReauthorizationRequiredError when there is nothing left to refresh with. */
export async function readLiveGrant(grants: Pick<GrantStore, 'get'>, grantId: string): Promise<GrantRecord> {
  const grant = await grants.get(grantId);
  if (!grant) throw new ReauthorizationRequiredError('the grant is gone (logged out or expired)');
  if (grant.dead) throw new ReauthorizationRequiredError('the refresh token was refused by WeChat');
  return grant;
}

/** Whether the grant's access token can be handed out now: more than `skewMs` left, and not the one WeChat just refused. */
export function isUsable(grant: GrantRecord, now: number, skewMs: number, refusedToken?: string): boolean {
  return !grant.dead && grant.accessToken !== '' && grant.expiresAt - skewMs > now && grant.accessToken !== refusedToken;
}
