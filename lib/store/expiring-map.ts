import type { Clock } from '../clock.js';

/** Writes between two sweeps, at least; else as many as were held after the last sweep (O(1) per write). */
const SWEEP_EVERY = 1_000;

/**
 * Calls `sweep(now)` (which returns how many entries it left) once every so many calls: at least SWEEP_EVERY,
 * else as many as it left, so each write pays O(1) on average. Counted against the size after a sweep, not a
 * growing one: a threshold that grows with each write is never met.
 */
export function sweepNowAndThen(sweep: (now: number) => number): (now: number) => void {
  let callsUntilSweep = SWEEP_EVERY;
  return (now) => {
    if (--callsUntilSweep > 0) return;
    callsUntilSweep = Math.max(SWEEP_EVERY, sweep(now));
  };
}

/**
 * Keys with a time to live by the injected clock, as Redis keeps them for the memory store. An expired entry
 * reads as absent; entries nobody reads again (a flood's login states) are swept every so many writes, so the
 * map holds at most about twice what is live instead of everything ever written.
 */
export interface ExpiringMap {
  set(key: string, value: unknown, ttlMs: number): void;
  /** Like Redis HSET on an existing key: the value changes, its expiry does not; absent keys stay absent. */
  replace(key: string, value: unknown): void;
  get<T>(key: string): T | null;
  delete(key: string): void;
  clear(): void;
  /** Entries held, expired ones not yet swept included. */
  readonly size: number;
}

export function createExpiringMap(clock: Clock): ExpiringMap {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  const maybeSweep = sweepNowAndThen((now) => {
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    return entries.size;
  });

  return {
    set(key, value, ttlMs) {
      const now = clock.now();
      maybeSweep(now);
      entries.set(key, { value, expiresAt: now + ttlMs });
    },
    replace(key, value) {
      const entry = entries.get(key);
      if (entry) entry.value = value;
    },
    get<T>(key: string): T | null {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= clock.now()) {
        entries.delete(key);
        return null;
      }
      return entry.value as T;
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
