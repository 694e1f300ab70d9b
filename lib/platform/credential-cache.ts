import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { ERR_TOKEN_REFRESH_BUSY, WechatLoginError } from '../errors.js';
import type { PlatformCredential, PlatformCredentialKind, PlatformStore } from '../store/platform-types.js';
import type { ExpiringAnswer } from './platform-api.js';

export interface CredentialCacheDependencies {
  store: PlatformStore;
  clock: Clock;
  /** Fetch the next one this long before expiry (at most half its lifetime). */
  refreshAheadMs: number;
}

export interface CredentialCacheOptions {
  kind: PlatformCredentialKind;
  /**
   * How long one fetch may take with its retries: the lock's TTL, and the longest anyone waits for another
   * process's fetch (then a 503, never a hang).
   */
  lockTtlMs: number;
  /** The fetch from WeChat. `current`: what is stored now; `refused`: the value WeChat just called dead. */
  fetch(current: string | undefined, refused: string | undefined): Promise<ExpiringAnswer>;
}

export interface CredentialCache {
  /** A value WeChat takes: the stored one, or one fetch by one caller across every process. */
  get(refused?: string): Promise<string>;
}

/**
 * One shared value per app (the access token, the ticket), never fetched per request:
 * - fresh (before `refreshAt`): everyone uses the stored value;
 * - in the refresh window: the caller that wins the lock (SET NX PX) fetches the next one, the others keep using
 *   the still-valid old one; a failed early fetch leaves the old one in use;
 * - expired, or refused by WeChat: the lock's winner fetches, the others poll the store until it lands, the lock
 *   goes (that fetch failed: 503) or the lock's TTL passes (503).
 */
export function createCredentialCache(deps: CredentialCacheDependencies, options: CredentialCacheOptions): CredentialCache {
  const { store, clock } = deps;
  const { kind, lockTtlMs } = options;
  const usable = (c: PlatformCredential | null, refused: string | undefined): c is PlatformCredential =>
    c !== null && c.value !== refused && clock.now() < c.expiresAt;

  async function fetchHoldingLock(owner: string, refused: string | undefined): Promise<string> {
    const current = await store.read(kind);
    // Landed between our read and our lock: that is the answer.
    if (usable(current, refused) && clock.now() < current.refreshAt) return current.value;
    const started = clock.now();
    const answer = await options.fetch(current?.value, refused);
    const lifetimeMs = answer.expiresIn * 1000;
    const expiresAt = started + lifetimeMs;
    // The same value back (a stable token asked for early): asking again before it expires would change nothing.
    const refreshAt = answer.value === current?.value ? expiresAt : expiresAt - Math.min(deps.refreshAheadMs, lifetimeMs / 2);
    await store.save(kind, { value: answer.value, expiresAt, refreshAt }, owner, clock.now());
    return answer.value;
  }

  async function waitForOther(refused: string | undefined): Promise<string> {
    const deadline = Date.now() + lockTtlMs;
    let pause = 5;
    for (;;) {
      await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
      const { credential, locked } = await store.peek(kind);
      if (usable(credential, refused)) return credential.value;
      if (!locked || Date.now() >= deadline) {
        throw new WechatLoginError(`the ${kind === 'accessToken' ? 'app access token' : 'jsapi_ticket'} could not be fetched from WeChat; try again`, {
          code: ERR_TOKEN_REFRESH_BUSY,
          status: 503,
        });
      }
      pause = Math.min(pause * 2, 50);
    }
  }

  return {
    async get(refused) {
      const stored = await store.read(kind);
      if (usable(stored, refused) && clock.now() < stored.refreshAt) return stored.value;
      const owner = randomBytes(12).toString('hex');
      if (await store.tryLock(kind, owner, lockTtlMs)) {
        try {
          return await fetchHoldingLock(owner, refused);
        } catch (error) {
          if (usable(stored, refused)) return stored.value;
          throw error;
        } finally {
          await store.unlock(kind, owner).catch(() => undefined);
        }
      }
      if (usable(stored, refused)) return stored.value;
      return waitForOther(refused);
    },
  };
}
