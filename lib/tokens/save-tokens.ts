import type { Clock } from '../clock.js';
import { logger } from '../debug.js';
import { loggedInAtOf } from './refresh-lifetime.js';
import type { GrantRecord, GrantStore, GrantTokens, UserRepository } from '../store/types.js';

const log = logger('tokens');

export interface SaveTokensDependencies {
  grants: GrantStore;
  users: UserRepository;
  clock: Clock;
}

/**
 * Writes refreshed tokens if the grant is still at `fromVersion` (compare-and-set), giving `lockOwner`'s refresh
 * lock back in the same round trip, then copies them onto the user record. Null when the grant moved on: a
 * newer refresh landed, and its tokens are the ones to use.
 */
export async function saveTokens(
  { grants, users, clock }: SaveTokensDependencies,
  grantId: string,
  fromVersion: number,
  tokens: GrantTokens,
  lockOwner?: string,
): Promise<GrantRecord | null> {
  const saved = await grants.replaceTokens(grantId, fromVersion, tokens, lockOwner);
  if (!saved) return null;
  const copy = { accessToken: saved.accessToken, refreshToken: saved.refreshToken, expiresIn: saved.expiresIn };
  // The grant holds the truth; a failed copy onto the user record must not fail a request that has its token.
  // A sign-out everywhere between the grant's write and this copy keeps the record's tokens cleared.
  await users.updateTokens(saved.userId, copy, clock.now(), { loggedInAt: loggedInAtOf(saved) }).catch((error: unknown) => {
    log('could not copy refreshed tokens onto user %d: %s', saved.userId, (error as Error).message);
  });
  return saved;
}
