import type { Clock } from '../clock.js';
import type { PlatformCredential, PlatformCredentialKind, PlatformStore } from '../store/platform-types.js';
import { FORCE_REFRESH_PER_DAY, FORCE_REFRESH_SPACING_MS, beijingDay } from './force-quota.js';

/** redis-platform-store.ts's rules in one process (the memory demo): each step is synchronous, so as atomic. */
export function createMemoryPlatformStore(clock: Clock): PlatformStore {
  const credentials = new Map<PlatformCredentialKind, { credential: PlatformCredential; until: number }>();
  const locks = new Map<PlatformCredentialKind, { owner: string; until: number }>();
  let quota = { day: '', count: 0, last: -Infinity };
  const lockOf = (kind: PlatformCredentialKind) => {
    const lock = locks.get(kind);
    return lock && lock.until > Date.now() ? lock : undefined;
  };
  const read = (kind: PlatformCredentialKind) => {
    const entry = credentials.get(kind);
    return entry && entry.until > clock.now() ? entry.credential : null;
  };
  const unlock = (kind: PlatformCredentialKind, owner: string) => {
    if (lockOf(kind)?.owner === owner) locks.delete(kind);
  };
  return {
    read: async (kind) => read(kind),
    peek: async (kind) => ({ credential: read(kind), locked: lockOf(kind) !== undefined }),
    async tryLock(kind, owner, ttlMs) {
      if (lockOf(kind)) return false;
      locks.set(kind, { owner, until: Date.now() + ttlMs });
      return true;
    },
    async save(kind, credential, owner) {
      credentials.set(kind, { credential: { ...credential }, until: credential.expiresAt });
      unlock(kind, owner);
    },
    unlock: async (kind, owner) => unlock(kind, owner),
    async takeForceRefresh(now) {
      const day = beijingDay(now);
      const count = quota.day === day ? quota.count : 0;
      if (count >= FORCE_REFRESH_PER_DAY) return 'daily';
      if (now - quota.last < FORCE_REFRESH_SPACING_MS) return 'spacing';
      quota = { day, count: count + 1, last: now };
      return 'ok';
    },
  };
}
