import type { Request } from 'express';
import { WechatConfigError } from '../errors.js';
import type { WechatPublicUser } from '../store/user-model.js';

/** What the phone's confirm page (and `onScanConfirm`) knows about the desktop asking to be signed in. */
export interface ScanDesktopInfo {
  /** Browser and operating system from its user-agent, e.g. "Chrome on Windows". */
  description: string;
  /** When its QR code was shown, ms since epoch. */
  shownAt: number;
}

export interface ScanLoginOptions {
  /** How long one QR code can be used, seconds (30–600). Default 120. */
  ttlSeconds?: number;
  /** The desktop shows two digits; the phone must pick them among three before it can confirm. Default false. */
  numberMatching?: boolean;
  /**
   * Called when the phone confirms, before the desktop is authorized: return false to refuse (the ticket is
   * cancelled and the phone told so). E.g. only staff may sign in on computers.
   */
  onScanConfirm?: (user: WechatPublicUser, desktop: ScanDesktopInfo, req: Request) => boolean | Promise<boolean>;
  /** QR codes one desktop browser may hold open at once. Default 5. */
  maxOpenPerBrowser?: number;
  /** Status requests per QR code within any 10 seconds (polling, event-stream opens); past it 429. Default 20. */
  pollsPer10Seconds?: number;
  /** Fresh codes the desktop page shows by itself after one expires. Default 5. */
  autoRenewals?: number;
  /** The desktop page's path below the routes' prefix. Default '/scan'. */
  path?: string;
}

export interface ResolvedScanLoginConfig {
  ttlMs: number;
  numberMatching: boolean;
  onScanConfirm: ScanLoginOptions['onScanConfirm'];
  maxOpenPerBrowser: number;
  pollsPer10Seconds: number;
  autoRenewals: number;
  path: string;
}

export const SCAN_LOGIN_DEFAULTS = { ttlSeconds: 120, numberMatching: false, maxOpenPerBrowser: 5, pollsPer10Seconds: 20, autoRenewals: 5, path: '/scan' };

/** `scanLogin`, validated once at start-up: false (off) or every setting with its default filled in. */
export function resolveScanLogin(value: unknown): ResolvedScanLoginConfig | false {
  if (value === false) return false;
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new WechatConfigError('"scanLogin" must be an object such as { ttlSeconds: 120 }, or false to show the "open in WeChat" QR code instead');
  }
  const o = (value ?? {}) as ScanLoginOptions;
  const d = SCAN_LOGIN_DEFAULTS;
  const whole = (name: keyof ScanLoginOptions, fallback: number, min: number, max: number): number => {
    const n = o[name];
    if (n === undefined) return fallback;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new WechatConfigError(`"scanLogin.${name}" must be a whole number from ${min} to ${max} (default ${fallback})`);
    }
    return n;
  };
  if (o.numberMatching !== undefined && typeof o.numberMatching !== 'boolean') throw new WechatConfigError('"scanLogin.numberMatching" must be true or false');
  if (o.onScanConfirm !== undefined && typeof o.onScanConfirm !== 'function') {
    throw new WechatConfigError('"scanLogin.onScanConfirm" must be a function (user, desktop, req) returning true to allow or false to refuse');
  }
  const path = o.path ?? d.path;
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new WechatConfigError('"scanLogin.path" must be a path below the prefix such as "/scan" (letters, digits, "-", "_", ".", "~"; no trailing "/")');
  }
  if (['/login', '/callback', '/logout', '/qr'].some((route) => path === route || path.startsWith(`${route}/`))) {
    throw new WechatConfigError(`"scanLogin.path" must not be one of the login routes (/login, /callback, /logout, /qr); got ${JSON.stringify(path)}`);
  }
  return {
    ttlMs: whole('ttlSeconds', d.ttlSeconds, 30, 600) * 1000,
    numberMatching: o.numberMatching ?? d.numberMatching,
    onScanConfirm: o.onScanConfirm,
    maxOpenPerBrowser: whole('maxOpenPerBrowser', d.maxOpenPerBrowser, 1, 100),
    pollsPer10Seconds: whole('pollsPer10Seconds', d.pollsPer10Seconds, 1, 1000),
    autoRenewals: whole('autoRenewals', d.autoRenewals, 0, 50),
    path,
  };
}
