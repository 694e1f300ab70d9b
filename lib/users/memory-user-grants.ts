import type { Clock } from '../clock.js';
import { MAX_GRANTS_PER_USER, type UserGrantIndex } from './user-grants.js';

/** redis-user-grants.ts's rules in one process's memory, on the store's clock. */
export function createMemoryUserGrants(clock: Clock, max = MAX_GRANTS_PER_USER): UserGrantIndex {
  /** Per user: grant id → expiry (ms), in insertion order, which is expiry order (one TTL for every grant). */
  const byUser = new Map<number, Map<string, number>>();
  const live = (userId: number) => {
    const grants = byUser.get(userId);
    if (!grants) return undefined;
    for (const [grantId, expiresAt] of grants) if (expiresAt <= clock.now()) grants.delete(grantId);
    if (grants.size === 0) byUser.delete(userId);
    return grants.size === 0 ? undefined : grants;
  };

  return {
    async add(userId, grantId, ttlMs) {
      const grants = live(userId) ?? new Map<string, number>();
      grants.delete(grantId);
      grants.set(grantId, clock.now() + ttlMs);
      byUser.set(userId, grants);
      const pushedOut = [...grants.keys()].slice(0, Math.max(0, grants.size - max));
      for (const grantId of pushedOut) grants.delete(grantId);
      return pushedOut;
    },
    async list(userId) {
      return [...(live(userId)?.keys() ?? [])];
    },
    async remove(userId, grantIds) {
      const grants = byUser.get(userId);
      for (const grantId of grantIds) grants?.delete(grantId);
      if (grants?.size === 0) byUser.delete(userId);
    },
  };
}
