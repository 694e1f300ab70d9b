import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERR_TOKEN_REFRESH_BUSY, WechatLoginError } from '../errors.js';
import type { GrantRecord } from '../store/types.js';
import { ReauthorizationRequiredError, isUsable, readLiveGrant } from './live-grant.js';
import { refreshGrant, type HeldLock, type RefreshDependencies } from './refresh-grant.js';
import { storeUnsavedTokens } from './unsaved-tokens.js';

export interface LockOrWaitDependencies extends RefreshDependencies {
  /** Refresh this long before expiry. */
  skewMs: number;
  /** How long one refresh may hold the lock; past it a crashed holder no longer blocks anyone. */
  lockTtlMs: number;
  /** How long to wait for another process's refresh before answering 503. */
  waitTimeoutMs: number;
}

/**
 * A usable grant, starting from `read` (the grant as just read, not usable): refreshed by this process under
 * the grant's lock, or by another process whose refresh this one waits for. Each try at the lock also reads
 * the grant's version, so a refresh that landed since `read` is seen without another read of the tokens.
 */
export async function lockOrWait(
  deps: LockOrWaitDependencies,
  grantId: string,
  read: GrantRecord,
  refusedToken?: string,
): Promise<GrantRecord> {
  const { grants, clock, skewMs } = deps;
  const lock: HeldLock = { owner: randomBytes(12).toString('hex'), released: false };
  const deadline = Date.now() + deps.waitTimeoutMs;
  let grant = read;
  let pause = 5;
  for (;;) {
    if (isUsable(grant, clock.now(), skewMs, refusedToken)) return grant;
    if (grant.refreshExpiresAt <= clock.now()) {
      await grants.markDead(grantId, grant.version);
      throw new ReauthorizationRequiredError('the refresh token is older than 30 days');
    }
    const attempt = await grants.tryLock(grantId, lock.owner, deps.lockTtlMs);
    if (attempt.version === null) throw new ReauthorizationRequiredError('the grant is gone (logged out or expired)');
    if (attempt.locked) return refreshHoldingLock(deps, grantId, grant, attempt.version, lock, refusedToken);
    if (attempt.version !== grant.version) {
      // The other process's refresh landed (its compare-and-set bumped the version): that is our answer.
      grant = await storeUnsavedTokens(deps, grantId, await readLiveGrant(grants, grantId));
      continue;
    }
    if (Date.now() >= deadline) {
      throw new WechatLoginError('another request is still refreshing the WeChat token; try again', {
        code: ERR_TOKEN_REFRESH_BUSY,
        status: 503,
      });
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
}

/** Under the lock: refresh, unless a refresh landed between our read and our lock. The lock is given back on every path. */
async function refreshHoldingLock(
  deps: LockOrWaitDependencies,
  grantId: string,
  grant: GrantRecord,
  lockedAtVersion: number,
  lock: HeldLock,
  refusedToken: string | undefined,
): Promise<GrantRecord> {
  try {
    // The re-check under the lock: free when the version the lock saw is the one we read.
    const current = lockedAtVersion === grant.version ? grant : await readLiveGrant(deps.grants, grantId);
    if (isUsable(current, deps.clock.now(), deps.skewMs, refusedToken)) return current;
    return await refreshGrant(deps, grantId, current, lock);
  } finally {
    if (!lock.released) await deps.grants.unlock(grantId, lock.owner).catch(() => undefined);
  }
}
