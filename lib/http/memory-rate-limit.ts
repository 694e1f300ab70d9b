import { sweepNowAndThen } from '../store/expiring-map.js';
import { clampRetry } from './redis-rate-limit.js';
import type { RateLimitHit, RateLimitVerdict } from '../store/types.js';

/**
 * The Redis sliding window log in this process's memory, for the memory store: the same counts and answers,
 * and idle windows swept so a flood of distinct clients cannot grow the map without bound.
 */
export interface MemoryRateLimit {
  hit(hit: RateLimitHit): Promise<RateLimitVerdict>;
  /** Windows held (one per limit and client seen lately, idle ones not yet swept included). */
  readonly size: number;
}

export function createMemoryRateLimit(): MemoryRateLimit {
  /** Allowed hits' times, oldest first, per limit and client; with the window they were counted in. */
  const windows = new Map<string, { times: number[]; windowMs: number }>();
  // Idle windows (no hit within their window) are swept now and then.
  const maybeSweep = sweepNowAndThen((now) => {
    for (const [id, { times, windowMs }] of windows) {
      if (times.length === 0 || times[times.length - 1]! <= now - windowMs) windows.delete(id);
    }
    return windows.size;
  });

  async function hit({ name, key, limit, windowMs, now }: RateLimitHit): Promise<RateLimitVerdict> {
    maybeSweep(now);
    const id = `${name}\n${key}`;
    const window = windows.get(id) ?? { times: [], windowMs };
    window.windowMs = windowMs;
    window.times = window.times.filter((time) => time > now - windowMs);
    windows.set(id, window);
    if (window.times.length < limit) {
      window.times.push(now);
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: clampRetry(window.times[0]! + windowMs - now, windowMs) };
  }

  return {
    hit,
    get size() {
      return windows.size;
    },
  };
}
