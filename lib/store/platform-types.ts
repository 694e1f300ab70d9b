/**
 * The JS-SDK feature's stored records (lib/platform/): the app access token and the jsapi_ticket, one of each per
 * app, shared by every process, with the lock that lets one of them refresh it and WeChat's force_refresh quota.
 */
export type PlatformCredentialKind = 'accessToken' | 'jsapiTicket';

export interface PlatformCredential {
  /** The token or ticket (sealed by the store's token cipher at rest). */
  value: string;
  /** When WeChat stops taking it, ms since epoch (our clock at the request's start + expires_in). */
  expiresAt: number;
  /** When one caller should fetch the next one, ms since epoch; before it, everyone uses `value`. */
  refreshAt: number;
}

/** Whether one more force_refresh keeps within WeChat's rule (20 a day, 30 s apart), counted across processes. */
export type ForceRefreshQuota = 'ok' | 'daily' | 'spacing';

export interface PlatformStore {
  read(kind: PlatformCredentialKind): Promise<PlatformCredential | null>;
  /** The credential and whether someone holds its refresh lock, in one round trip (what a waiter polls). */
  peek(kind: PlatformCredentialKind): Promise<{ credential: PlatformCredential | null; locked: boolean }>;
  /** SET NX PX: true when `owner` now holds the refresh lock of `kind`. */
  tryLock(kind: PlatformCredentialKind, owner: string, ttlMs: number): Promise<boolean>;
  /** Writes the credential (kept until it expires by `now`) and gives the lock back if `owner` still holds it. */
  save(kind: PlatformCredentialKind, credential: PlatformCredential, owner: string, now: number): Promise<void>;
  unlock(kind: PlatformCredentialKind, owner: string): Promise<void>;
  /** Counts one force_refresh at `now`, or says which of WeChat's limits it would break (nothing counted then). */
  takeForceRefresh(now: number): Promise<ForceRefreshQuota>;
}
