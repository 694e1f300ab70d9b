import { WechatConfigError } from '../errors.js';

/** The Official Account's own access token and the JS-SDK (lib/platform/): `platform` of createWechatLogin. */
export interface PlatformOptions {
  /**
   * Mount `GET {prefix}/jssdk-config?url=…`, the wx.config signature for a page of this site (what
   * `configureJsSdk()` of the browser client asks). Default true.
   */
  jssdkRoute?: boolean;
  /** Fetch the next app token / jsapi_ticket this long before the current one expires, ms (1 s – 30 min). Default 5 minutes. */
  refreshAheadMs?: number;
}

export interface ResolvedPlatformConfig {
  jssdkRoute: boolean;
  refreshAheadMs: number;
}

export const PLATFORM_DEFAULTS = { jssdkRoute: true, refreshAheadMs: 5 * 60_000 } as const;

/** `platform`, validated once at start-up. */
export function resolvePlatform(value: unknown): ResolvedPlatformConfig {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new WechatConfigError('"platform" must be an object such as { jssdkRoute: false }');
  }
  const o = (value ?? {}) as PlatformOptions;
  if (o.jssdkRoute !== undefined && typeof o.jssdkRoute !== 'boolean') {
    throw new WechatConfigError('"platform.jssdkRoute" must be true (mount GET {prefix}/jssdk-config, the default) or false');
  }
  const ahead = o.refreshAheadMs ?? PLATFORM_DEFAULTS.refreshAheadMs;
  if (typeof ahead !== 'number' || !Number.isFinite(ahead) || ahead < 1_000 || ahead > 30 * 60_000) {
    throw new WechatConfigError('"platform.refreshAheadMs" must be a number of ms from 1000 to 1800000 (default 300000: 5 minutes)');
  }
  return { jssdkRoute: o.jssdkRoute ?? PLATFORM_DEFAULTS.jssdkRoute, refreshAheadMs: ahead };
}
