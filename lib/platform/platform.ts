import type { Clock } from '../clock.js';
import { WECHAT_ERRCODES, WechatApiError, WechatConfigError, hasErrcode } from '../errors.js';
import type { PlatformStore } from '../store/platform-types.js';
import { createCredentialCache } from './credential-cache.js';
import type { PlatformApi } from './platform-api.js';

/** WeChat's "this token is dead" answers: fetch a fresh one once, retry once. */
export const DEAD_TOKEN_ERRCODES = [WECHAT_ERRCODES.INVALID_CREDENTIAL, WECHAT_ERRCODES.ACCESS_TOKEN_EXPIRED, WECHAT_ERRCODES.INVALID_ACCESS_TOKEN];

export interface GetAccessTokenOptions {
  /**
   * The token WeChat just refused (40001, 42001, 40014) on one of your own calls: you get another one, fetched
   * once for everyone; retry your call once with it.
   */
  refusedToken?: string;
}

/** The Official Account's own credentials, shared by every process: `wechat.platform`. */
export interface WechatPlatform {
  /**
   * The app access token (`client_credential`, from /cgi-bin/stable_token) for your own calls to other Official
   * Account APIs (templates, menus, user info). Never fetched per call: stored (sealed) in Redis and refreshed
   * ahead of expiry by one caller across all processes.
   *
   * @example
   * const token = await wechat.platform.getAccessToken();
   * // on 40001/42001 from WeChat: await wechat.platform.getAccessToken({ refusedToken: token }), then retry once
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
  /** The JS-SDK's jsapi_ticket, shared and refreshed the same way (what `signJsSdk` signs with). */
  getJsapiTicket(): Promise<string>;
}

export interface PlatformDependencies {
  store: PlatformStore;
  api: PlatformApi;
  clock: Clock;
  refreshAheadMs: number;
  /** How long one WeChat call may take with its retries (see createWechatLogin). */
  callBudgetMs: number;
}

export function createPlatform({ store, api, clock, refreshAheadMs, callBudgetMs }: PlatformDependencies): WechatPlatform {
  const accessToken = createCredentialCache(
    { store, clock, refreshAheadMs },
    {
      kind: 'accessToken',
      // A normal call, then perhaps a forced one.
      lockTtlMs: 2 * callBudgetMs,
      async fetch(_current, refused) {
        const answer = await api.stableToken(false);
        if (refused === undefined || answer.value !== refused) return answer;
        // The normal call hands back the very token WeChat refused: only force_refresh gets another, and WeChat
        // allows 20 a day, 30 s apart: counted in the store, so every process keeps within it together.
        const quota = await store.takeForceRefresh(clock.now());
        if (quota === 'daily') throw new WechatApiError('stable_token', WECHAT_ERRCODES.DAILY_QUOTA_REACHED, 'force_refresh: 20 a day already used (counted by wechat-official-login)');
        if (quota === 'spacing') throw new WechatApiError('stable_token', WECHAT_ERRCODES.TOO_FREQUENT, 'force_refresh: less than 30 s since the last one (counted by wechat-official-login)');
        return api.stableToken(true);
      },
    },
  );

  const ticket = createCredentialCache(
    { store, clock, refreshAheadMs },
    {
      kind: 'jsapiTicket',
      // Perhaps a token fetch (itself bounded by its own lock), then the ticket, perhaps twice.
      lockTtlMs: 4 * callBudgetMs,
      async fetch() {
        const token = await accessToken.get();
        try {
          return await api.jsapiTicket(token);
        } catch (error) {
          if (!hasErrcode(error, ...DEAD_TOKEN_ERRCODES)) throw error;
          return api.jsapiTicket(await accessToken.get(token));
        }
      },
    },
  );

  return {
    getAccessToken: (options = {}) => accessToken.get(options.refusedToken),
    getJsapiTicket: () => ticket.get(),
  };
}

/** `wechat.platform` for a store of the app's own without platform storage: every call says how to fix it. */
export const PLATFORM_UNSUPPORTED: WechatPlatform = {
  getAccessToken: unsupported,
  getJsapiTicket: unsupported,
};

async function unsupported(): Promise<never> {
  throw new WechatConfigError('wechat.platform needs a store with platform storage: use "redis" (or createRedisStore / createMemoryStore), or add "platform" to your own store');
}
