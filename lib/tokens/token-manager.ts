import type { WechatApiClient } from '../wechat/api-client.js';
import type { Clock } from '../clock.js';
import type { GrantRecord, WechatStore } from '../store/types.js';
import type { WechatAccessTokenResponse } from '../wechat/types.js';
import { isUsable, readLiveGrant } from './live-grant.js';
import { lockOrWait, type LockOrWaitDependencies } from './lock-or-wait.js';
import { UnsavedTokens, storeUnsavedTokens } from './unsaved-tokens.js';

export { ReauthorizationRequiredError } from './live-grant.js';

import { REFRESH_TOKEN_LIFETIME_MS } from './refresh-lifetime.js';

export { REFRESH_TOKEN_LIFETIME_MS };

export interface TokenManagerOptions {
  store: WechatStore;
  /** The Official Account's client: it refreshes grants of the Official Account. */
  api: Pick<WechatApiClient, 'refreshToken'>;
  /** Other apps' clients by AppID (a website app's): each refreshes the grants its app issued. */
  otherApps?: ReadonlyMap<string, Pick<WechatApiClient, 'refreshToken'>>;
  clock: Clock;
  /** Refresh this long before expiry. */
  skewMs: number;
  /** How long one refresh may hold the cross-process lock; past it a crashed holder no longer blocks anyone. */
  lockTtlMs: number;
  /** How long a request waits for another process's refresh before answering 503. */
  waitTimeoutMs: number;
}

export interface GetValidGrantOptions {
  /** The token WeChat just refused (40001/42001): refresh unless someone already replaced it. */
  refusedToken?: string;
}

export interface TokenManager {
  /** Stores a login's tokens as a new grant, under `grantId` when given (a login's grant id is its session id). */
  /** Stores a login's tokens; `appId`: the app that issued them when not the Official Account (it refreshes them). */
  createGrant(tokens: WechatAccessTokenResponse, userId: number, grantId?: string, appId?: string): Promise<{ grantId: string; refreshExpiresAt: number }>;
  /** The grant with a valid access token: refreshed first when expired or within the skew, once across all processes. */
  getValidGrant(grantId: string, options?: GetValidGrantOptions): Promise<GrantRecord>;
  revoke(grantId: string): Promise<void>;
}

/**
 * Tokens live in their own Redis hash per grant (one grant = one authorization = one session), never in the
 * session itself: express-session writes the whole session back at the end of each request, and a request
 * that started before a refresh would otherwise put the old tokens back.
 *
 * The parts: the lock-or-wait loop (lock-or-wait.ts) around the refresh under compare-and-set
 * (refresh-grant.ts), and the tokens WeChat gave that the store refused (unsaved-tokens.ts).
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { store, api, otherApps, clock, skewMs, lockTtlMs, waitTimeoutMs } = options;
  const deps: LockOrWaitDependencies = {
    grants: store.grants,
    users: store.users,
    apiFor: (appId) => (appId && otherApps?.get(appId)) || api,
    clock,
    skewMs,
    lockTtlMs,
    waitTimeoutMs,
    unsaved: new UnsavedTokens(clock),
  };
  const inFlight = new Map<string, Promise<GrantRecord>>();

  return {
    async createGrant(tokens, userId, id, appId) {
      const now = clock.now();
      const refreshExpiresAt = now + REFRESH_TOKEN_LIFETIME_MS;
      const grantId = await store.grants.create(
        {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          expiresAt: now + tokens.expires_in * 1000,
          refreshExpiresAt,
          expiresIn: tokens.expires_in,
          scope: tokens.scope,
          openid: tokens.openid,
          userId,
          ...(appId === undefined ? {} : { appId }),
        },
        REFRESH_TOKEN_LIFETIME_MS,
        id,
      );
      return { grantId, refreshExpiresAt };
    },

    async getValidGrant(grantId, { refusedToken } = {}) {
      const grant = await storeUnsavedTokens(deps, grantId, await readLiveGrant(store.grants, grantId));
      if (isUsable(grant, clock.now(), skewMs, refusedToken)) return grant;
      // One refresh per grant per process, starting from the grant just read; other processes are held off
      // by the Redis lock.
      const key = `${grantId}\u0000${refusedToken ?? ''}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = lockOrWait(deps, grantId, grant, refusedToken).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },

    async revoke(grantId) {
      await store.grants.delete(grantId);
    },
  };
}
