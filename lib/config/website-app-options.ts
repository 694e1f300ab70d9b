import { WechatConfigError } from '../errors.js';

/**
 * The Open Platform website app (网站应用) beside the Official Account, and what a desktop browser gets on a guarded
 * page: its own option group, validated once, like the main credentials.
 */

/** An Open Platform website app: its own AppID and AppSecret (open.weixin.qq.com → 管理中心 → 网站应用). */
export interface WebsiteAppOptions {
  /** The website app's AppID ('wx' + 16 characters), not the Official Account's. */
  appId: string;
  /** The website app's AppSecret. Server side only; never logged. */
  appSecret: string;
}

/**
 * What a desktop browser (not WeChat's) gets on a guarded HTML page:
 * - `'website'`: WeChat's own QR page (`/connect/qrconnect`) for the website app; needs `websiteApp`.
 * - `'scan'`: our scan to sign in through the Official Account; needs `scanLogin` on.
 * - `'qr'`: the QR code of the page itself, to open it in WeChat.
 */
export type DesktopSignIn = 'website' | 'scan' | 'qr';

export const DESKTOP_SIGN_INS: readonly DesktopSignIn[] = ['website', 'scan', 'qr'];

export interface ResolvedWebsiteAppConfig {
  appId: string;
  appSecret: string;
}

export const APP_ID_PATTERN = /^wx[0-9a-zA-Z]{16}$/;

/** `websiteApp`: undefined (none) or both credentials, checked; it must be another app than the Official Account. */
export function resolveWebsiteApp(value: unknown, officialAppId: string): ResolvedWebsiteAppConfig | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new WechatConfigError('"websiteApp" must be { appId, appSecret } of your Open Platform website app (网站应用), or left out');
  }
  const { appId, appSecret } = value as Partial<WebsiteAppOptions>;
  if (typeof appId !== 'string' || appId.trim() === '') {
    throw new WechatConfigError('"websiteApp.appId" is required: the AppID of the website app at open.weixin.qq.com (管理中心 → 网站应用), e.g. "wx0123456789abcdef"');
  }
  if (!APP_ID_PATTERN.test(appId)) {
    throw new WechatConfigError(`"websiteApp.appId" must look like "wx" followed by 16 letters or digits; got ${JSON.stringify(appId.slice(0, 24))}`);
  }
  if (appId === officialAppId) {
    throw new WechatConfigError('"websiteApp.appId" must be the website app\'s own AppID, not the Official Account\'s "appId" (they are two apps at WeChat)');
  }
  if (typeof appSecret !== 'string' || appSecret.trim() === '') {
    throw new WechatConfigError('"websiteApp.appSecret" is required: the website app\'s AppSecret, read from an environment variable, never committed');
  }
  return { appId, appSecret };
}

/** `desktop`, defaulted: the website app when there is one, else scan to sign in (or the page's QR code with it off). */
export function resolveDesktop(value: unknown, websiteApp: ResolvedWebsiteAppConfig | undefined, scanLoginOn: boolean): DesktopSignIn {
  if (value === undefined) return websiteApp ? 'website' : scanLoginOn ? 'scan' : 'qr';
  if (typeof value !== 'string' || !(DESKTOP_SIGN_INS as readonly string[]).includes(value)) {
    throw new WechatConfigError(`"desktop" must be one of ${DESKTOP_SIGN_INS.map((d) => `"${d}"`).join(', ')}; got ${JSON.stringify(value)}`);
  }
  if (value === 'website' && !websiteApp) {
    throw new WechatConfigError('"desktop": "website" needs "websiteApp": { appId, appSecret } (an Open Platform website app); or use "scan"');
  }
  if (value === 'scan' && !scanLoginOn) {
    throw new WechatConfigError('"desktop": "scan" needs scan to sign in: remove scanLogin: false, or use "qr"');
  }
  return value as DesktopSignIn;
}
