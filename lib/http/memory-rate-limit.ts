import { randomBytes } from 'node:crypto';
import { sweepNowAndThen } from '../store/expiring-map.js';
import { clampRetry } from './redis-rate-limit.js';
import type { RateLimitHit, RateLimitVerdict } from '../store/types.js';

/**
 * The Redis sliding window log in this process's memory, for the memory store: the same counts and answers,
 * and idle windows swept so a flood of distinct clients cannot grow the map without bound.
 */
export interface MemoryRateLimit {
  hit(hit: RateLimitHit): Promise<RateLimitVerdict>;
  forget(hit: Pick<RateLimitHit, 'name' | 'key'> & { member: string }): Promise<void>;
  /** Windows held (one per limit and client seen lately, idle ones not yet swept included). */
  readonly size: number;
}

export function createMemoryRateLimit(): MemoryRateLimit {
  /** Allowed hits (time and member), oldest first, per limit and client; with the window they were counted in. */
  const windows = new Map<string, { hits: { time: number; member: string }[]; windowMs: number }>();
  // Idle windows (no hit within their window) are swept now and then.
  const maybeSweep = sweepNowAndThen((now) => {
    for (const [id, { hits, windowMs }] of windows) {
      if (hits.length === 0 || hits[hits.length - 1]!.time <= now - windowMs) windows.delete(id);
    }
    return windows.size;
  });

  async function hit({ name, key, limit, windowMs, now, member }: RateLimitHit): Promise<RateLimitVerdict> {
    maybeSweep(now);
    const id = `${name}\n${key}`;
    const window = windows.get(id) ?? { hits: [], windowMs };
    window.windowMs = windowMs;
    window.hits = window.hits.filter(({ time }) => time > now - windowMs);
    windows.set(id, window);
    if (window.hits.length < limit) {
      window.hits.push({ time: now, member: member ?? randomBytes(8).toString('hex') });
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: clampRetry(window.hits[0]!.time + windowMs - now, windowMs) };
  }

  async function forget({ name, key, member }: Pick<RateLimitHit, 'name' | 'key'> & { member: string }): Promise<void> {
    const window = windows.get(`${name}\n${key}`);
    if (window) window.hits = window.hits.filter((h) => h.member !== member);
  }

  return {
    hit,
    forget,
    get size() {
      return windows.size;
    },
  };
}
