import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { Clock } from '../clock.js';
import { logger } from '../debug.js';
import {
  ERR_REAUTHORIZATION_REQUIRED,
  ERR_TOKEN_REFRESH_BUSY,
  WECHAT_ERRCODES,
  WechatLoginError,
  hasErrcode,
} from '../errors.js';
import type { GrantRecord, GrantTokens, WechatStore } from '../store/types.js';
import type { WechatAccessTokenResponse } from '../wechat/types.js';

const log = logger('tokens');

/** Refresh tokens live 30 days from the authorization; refreshing does not extend them. */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** The user must go through WeChat's authorization again (refresh token dead, grant gone, or wider scope needed). */
export class ReauthorizationRequiredError extends WechatLoginError {
  readonly scope: string | undefined;
  constructor(reason: string, options: { scope?: string; cause?: unknown } = {}) {
    super(`WeChat authorization required: ${reason}`, { code: ERR_REAUTHORIZATION_REQUIRED, status: 401, cause: options.cause });
    this.scope = options.scope;
  }
}

export interface TokenManagerOptions {
  store: WechatStore;
  api: Pick<WechatApiClient, 'refreshToken'>;
  clock: Clock;
  /** Refresh this long before expiry. */
  skewMs: number;
  /** How long one refresh may hold the cross-process lock; past it a crashed holder no longer blocks anyone. */
  lockTtlMs: number;
  /** How long a request waits for another process's refresh before answering 503. */
  waitTimeoutMs: number;
}

export interface GetAccessTokenOptions {
  /** The token WeChat just refused (40001/42001): refresh unless someone already replaced it. */
  refusedToken?: string;
}

export interface TokenManager {
  /** Stores a login's tokens as a new grant, under `grantId` when given (a login's grant id is its session id). */
  createGrant(tokens: WechatAccessTokenResponse, userId: number, grantId?: string): Promise<{ grantId: string; refreshExpiresAt: number }>;
  /** A valid access token for the grant: refreshed first when expired or within the skew, once across all processes. */
  getAccessToken(grantId: string, options?: GetAccessTokenOptions): Promise<GrantRecord>;
  revoke(grantId: string): Promise<void>;
}

/**
 * Tokens live in their own Redis hash per grant (one grant = one authorization = one session), never in the
 * session itself: express-session writes the whole session back at the end of each request, and a request
 * that started before a refresh would otherwise put the old tokens back.
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { store, api, clock, skewMs, lockTtlMs, waitTimeoutMs } = options;
  const inFlight = new Map<string, Promise<GrantRecord>>();

  const usable = (grant: GrantRecord, refusedToken?: string) =>
    !grant.dead && grant.accessToken !== '' && grant.expiresAt - skewMs > clock.now() && grant.accessToken !== refusedToken;

  async function load(grantId: string): Promise<GrantRecord> {
    const grant = await store.grants.get(grantId);
    if (!grant) throw new ReauthorizationRequiredError('the grant is gone (logged out or expired)');
    if (grant.dead) throw new ReauthorizationRequiredError('the refresh token was refused by WeChat');
    return grant;
  }

  /**
   * Tokens WeChat gave us that the store did not take (Redis went away between WeChat's answer and our write).
   * With rotation the refresh token still stored is already dead, so these are the only live ones: the next
   * request of this process stores them before anything else. The version check keeps them from overwriting
   * anything newer.
   */
  const unsaved = new Map<string, { fromVersion: number; tokens: GrantTokens }>();

  async function storeUnsaved(grantId: string, grant: GrantRecord): Promise<GrantRecord> {
    const pending = unsaved.get(grantId);
    if (!pending) return grant;
    if (pending.fromVersion !== grant.version) {
      unsaved.delete(grantId);
      return grant;
    }
    const updated = await store.grants.replaceTokens(grantId, grant.version, pending.tokens);
    unsaved.delete(grantId);
    if (!updated) return load(grantId);
    log('stored the tokens of an earlier refresh that Redis had refused (version %d)', updated.version);
    await recordOnUser(updated);
    return updated;
  }

  async function recordOnUser(grant: GrantRecord): Promise<void> {
    const tokens = { accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresIn: grant.expiresIn };
    // The grant holds the truth; a failed copy onto the user record must not fail a request that has its token.
    await store.users.updateTokens(grant.userId, tokens, clock.now()).catch((error: unknown) => {
      log('could not copy refreshed tokens onto user %d: %s', grant.userId, (error as Error).message);
    });
  }

  async function refreshUnderLock(grantId: string, grant: GrantRecord): Promise<GrantRecord> {
    let result;
    try {
      result = await api.refreshToken(grant.refreshToken);
    } catch (error) {
      const { REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN } = WECHAT_ERRCODES;
      if (hasErrcode(error, REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN)) {
        if (await store.grants.markDead(grantId, grant.version)) {
          throw new ReauthorizationRequiredError(`refresh refused (${error.errcode})`, { cause: error });
        }
        // The grant moved on while we asked: a refresh that overtook ours (our lock had expired) used this
        // refresh token first, and WeChat refused it to us for that reason. Its tokens are the live ones.
        log('refresh refused (%d) after another refresh landed: using that one', error.errcode);
        return load(grantId);
      }
      throw error; // transient: the grant stays, the next request tries again
    }
    const tokens: GrantTokens = {
      accessToken: result.access_token,
      refreshToken: result.refresh_token || grant.refreshToken,
      expiresAt: clock.now() + result.expires_in * 1000,
      expiresIn: result.expires_in,
      scope: result.scope || grant.scope,
    };
    let updated;
    try {
      updated = await store.grants.replaceTokens(grantId, grant.version, tokens);
    } catch (error) {
      unsaved.set(grantId, { fromVersion: grant.version, tokens });
      throw error;
    }
    if (!updated) return load(grantId); // our lock had expired and someone else refreshed: theirs is newer
    await recordOnUser(updated);
    log('refreshed grant (version %d)', updated.version);
    return updated;
  }

  async function refreshOnce(grantId: string, refusedToken?: string): Promise<GrantRecord> {
    const owner = randomBytes(12).toString('hex');
    const deadline = Date.now() + waitTimeoutMs;
    let pause = 5;
    for (;;) {
      const grant = await storeUnsaved(grantId, await load(grantId));
      if (usable(grant, refusedToken)) return grant;
      if (grant.refreshExpiresAt <= clock.now()) {
        await store.grants.markDead(grantId, grant.version);
        throw new ReauthorizationRequiredError('the refresh token is older than 30 days');
      }
      if (await store.grants.tryLock(grantId, owner, lockTtlMs)) {
        try {
          // Someone may have finished a refresh between our read and our lock.
          const current = await load(grantId);
          if (usable(current, refusedToken) || current.version !== grant.version) return current;
          return await refreshUnderLock(grantId, current);
        } finally {
          await store.grants.unlock(grantId, owner).catch(() => undefined);
        }
      }
      // Another process is refreshing: poll the grant's version, which its compare-and-set bumps.
      if (Date.now() >= deadline) {
        throw new WechatLoginError('another request is still refreshing the WeChat token; try again', {
          code: ERR_TOKEN_REFRESH_BUSY,
          status: 503,
        });
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
      // A refused token we waited on has been replaced by the other refresh: that is our answer.
      if (refusedToken) {
        const after = await load(grantId);
        if (after.version !== grant.version && after.accessToken !== refusedToken && usable(after)) return after;
      }
    }
  }

  return {
    async createGrant(tokens, userId, id) {
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
        },
        REFRESH_TOKEN_LIFETIME_MS,
        id,
      );
      return { grantId, refreshExpiresAt };
    },

    async getAccessToken(grantId, { refusedToken } = {}) {
      const grant = await storeUnsaved(grantId, await load(grantId));
      if (usable(grant, refusedToken)) return grant;
      // One refresh per grant per process; other processes are held off by the Redis lock.
      const key = `${grantId}\u0000${refusedToken ?? ''}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = refreshOnce(grantId, refusedToken).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },

    async revoke(grantId) {
      await store.grants.delete(grantId);
    },
  };
}
