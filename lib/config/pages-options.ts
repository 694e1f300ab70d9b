import { WechatConfigError } from '../errors.js';
import {
  BUILT_IN_PAGE_STRINGS,
  PAGE_LOCALES,
  PAGE_STRING_KEYS,
  placeholdersOf,
  type PageLocale,
  type PageStringKey,
  type PageStrings,
} from './page-strings.js';

/**
 * The `pages` option: the language, text and branding of every page we render (the desktop's scan page, the
 * phone's confirm and outcome pages, the "open in WeChat" QR page, logout confirm, error and busy pages), and
 * a way to render them yourself. Checked once here, so a page never meets a bad colour or URL at request time.
 */

export type { PageLocale, PageStringKey, PageStrings } from './page-strings.js';

/** What a custom `render` receives: which page, its text and links, and what it must keep (see docs/pages.md). */
export interface WechatPageBase {
  /** The language chosen for this request (`pages.locale`, else `Accept-Language`, else Chinese). */
  locale: PageLocale;
  /** Every text of that language, the app's overrides over the built-in ones. */
  strings: Readonly<PageStrings>;
  branding: ResolvedBranding;
  /** This response's CSP nonce: put it on every inline `<script>` and `<style>` (undefined: none is enforced). */
  nonce: string | undefined;
  /** The page title, in `strings`' language. */
  title: string;
  /** The built-in page, for a render that only wraps it or returns it for kinds it does not handle. */
  html: string;
  /** Escapes text for HTML (text and attribute values); everything not ours must go through it. */
  escape: (text: string) => string;
}

export type WechatPageData =
  | { kind: 'message'; name: string; message: string; action?: { href: string; label: string } | undefined; refreshTo?: string | undefined }
  | { kind: 'snapshot' }
  | { kind: 'qr'; url: string; qrSvg: string; emulatorLoginHref?: string | undefined }
  | { kind: 'logout-confirm'; action: string; cancelHref: string }
  | {
      kind: 'scan-desktop';
      state: 'waiting' | 'scanned';
      ticketUrl: string;
      qrSvg: string;
      digits: string;
      eventsUrl: string;
      statusUrl: string;
      completeUrl: string;
      checkUrl: string;
      renewUrl: string;
      renewalsLeft: number;
      openInWechatUrl: string;
      ttlSeconds: number;
      emulatorHint?: string | undefined;
      /** The live-status script of the built-in page (keeps the page updating: needs its ids, see docs/pages.md). */
      script: string;
    }
  | {
      kind: 'scan-confirm';
      desktop: { description: string; shownAt: number };
      host: string;
      confirmAction: string;
      cancelAction: string;
      /** The hidden CSRF input every confirm and cancel form must carry, as HTML. */
      csrfField: string;
      picks: string[];
    }
  | { kind: 'scan-phone-outcome'; outcome: string; continueHref: string }
  | { kind: 'scan-open-with-wechat' }
  | { kind: 'scan-desktop-outcome'; outcome: 'cancelled' | 'expired' | 'forbidden'; newCodeHref: string };

export type WechatPage = WechatPageBase & WechatPageData;
export type WechatPageKind = WechatPageData['kind'];

export interface PagesOptions {
  /** Always this language; default: from each request's `Accept-Language` ('zh-CN' when it names neither). */
  locale?: PageLocale;
  /** Your own text, per language, any subset of the keys: the rest stays built-in. */
  strings?: Partial<Record<PageLocale, Partial<PageStrings>>>;
  /** Shown at the top of every page and in its title. */
  siteName?: string;
  /** Shown beside the site name: an https:// URL or a path on this site ('/logo.png'). */
  logoUrl?: string;
  /** Buttons and badges: a CSS colour (#07c160, rgb(7 193 96), a colour name). Default WeChat green. */
  accentColor?: string;
  /** Render a page yourself: return its HTML, or undefined for the built-in page. See docs/pages.md. */
  render?: (page: WechatPage) => string | undefined;
}

export interface ResolvedBranding {
  siteName: string | undefined;
  logoUrl: string | undefined;
  accentColor: string;
}

export interface ResolvedPagesConfig {
  /** Undefined: chosen per request from Accept-Language. */
  locale: PageLocale | undefined;
  strings: Readonly<Record<PageLocale, Readonly<PageStrings>>>;
  branding: ResolvedBranding;
  render: PagesOptions['render'];
  /**
   * Origins our pages load images from besides our own: the logo's, when it is on another origin. A
   * Content-Security-Policy of our pages adds these to `img-src`.
   */
  imageOrigins: string[];
}

export const DEFAULT_ACCENT_COLOR = '#07c160';
const MAX_SITE_NAME = 60;
const MAX_LOGO_URL = 2048;

export function resolvePages(options: PagesOptions | undefined): ResolvedPagesConfig {
  if (options === undefined) {
    return { locale: undefined, strings: BUILT_IN_PAGE_STRINGS, branding: { siteName: undefined, logoUrl: undefined, accentColor: DEFAULT_ACCENT_COLOR }, render: undefined, imageOrigins: [] };
  }
  if (!options || typeof options !== 'object' || Array.isArray(options)) throw new WechatConfigError('"pages" must be an object, such as { siteName: "My shop" }');
  const known = new Set(['locale', 'strings', 'siteName', 'logoUrl', 'accentColor', 'render']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new WechatConfigError(`"pages.${key}" is not an option; the options are ${[...known].join(', ')}`);
  }
  if (options.locale !== undefined && !PAGE_LOCALES.includes(options.locale)) {
    throw new WechatConfigError(`"pages.locale" must be one of ${PAGE_LOCALES.map((l) => `"${l}"`).join(', ')}, or unset to follow Accept-Language`);
  }
  if (options.render !== undefined && typeof options.render !== 'function') {
    throw new WechatConfigError('"pages.render" must be a function (page) => html, returning undefined for the built-in page');
  }
  const logoUrl = resolveLogoUrl(options.logoUrl);
  return {
    locale: options.locale,
    strings: resolveStrings(options.strings),
    branding: {
      siteName: resolveSiteName(options.siteName),
      logoUrl,
      accentColor: resolveAccentColor(options.accentColor),
    },
    render: options.render,
    imageOrigins: logoUrl && !logoUrl.startsWith('/') ? [new URL(logoUrl).origin] : [],
  };
}

function resolveStrings(strings: PagesOptions['strings']): ResolvedPagesConfig['strings'] {
  if (strings === undefined) return BUILT_IN_PAGE_STRINGS;
  if (!strings || typeof strings !== 'object' || Array.isArray(strings)) {
    throw new WechatConfigError('"pages.strings" must be an object by language, such as { en: { "logout.title": "Leave?" } }');
  }
  const keys = new Set<string>(PAGE_STRING_KEYS);
  const resolved = { ...BUILT_IN_PAGE_STRINGS };
  for (const [locale, overrides] of Object.entries(strings)) {
    if (!PAGE_LOCALES.includes(locale as PageLocale)) {
      throw new WechatConfigError(`"pages.strings.${locale}": the languages are ${PAGE_LOCALES.map((l) => `"${l}"`).join(', ')}`);
    }
    if (overrides === undefined) continue;
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw new WechatConfigError(`"pages.strings.${locale}" must be an object of texts, such as { "logout.title": "…" }`);
    }
    const builtIn = BUILT_IN_PAGE_STRINGS[locale as PageLocale];
    const merged: PageStrings = { ...builtIn };
    for (const [key, text] of Object.entries(overrides)) {
      if (text === undefined) continue;
      if (!keys.has(key)) throw new WechatConfigError(`"pages.strings.${locale}.${key}" is not a page text; the keys are listed in docs/pages.md`);
      if (typeof text !== 'string' || !text.trim()) throw new WechatConfigError(`"pages.strings.${locale}.${key}" must be a non-empty string`);
      const want = placeholdersOf(builtIn[key as PageStringKey]);
      const got = placeholdersOf(text);
      if (want.join() !== got.join()) {
        const names = want.length ? want.map((p) => `{${p}}`).join(', ') : 'none';
        throw new WechatConfigError(`"pages.strings.${locale}.${key}" must use the placeholders ${names} (got ${got.length ? got.map((p) => `{${p}}`).join(', ') : 'none'})`);
      }
      merged[key as PageStringKey] = text;
    }
    resolved[locale as PageLocale] = merged;
  }
  return resolved;
}

function resolveSiteName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !name.trim() || name.length > MAX_SITE_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new WechatConfigError(`"pages.siteName" must be a non-empty string of at most ${MAX_SITE_NAME} characters, without control characters`);
  }
  return name.trim();
}

/** https:// anywhere, or a path on this site; never http:, javascript:, data: or a protocol-relative //host. */
function resolveLogoUrl(url: unknown): string | undefined {
  if (url === undefined) return undefined;
  const fix = '"pages.logoUrl" must be an https:// URL or a path on this site starting with "/", such as "/logo.png"';
  if (typeof url !== 'string' || !url || url.length > MAX_LOGO_URL || /[\u0000-\u0020\u007f\\]/.test(url)) throw new WechatConfigError(fix);
  if (url.startsWith('/')) {
    if (url.startsWith('//')) throw new WechatConfigError(fix);
    return url;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WechatConfigError(fix);
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) throw new WechatConfigError(fix);
  return parsed.href;
}

const HEX_COLOR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const FUNCTION_COLOR = /^(?:rgba?|hsla?|hwb|oklch|oklab|lab|lch)\([0-9a-z.,%+\-\s/]{1,60}\)$/i;
const NAMED_COLOR = /^[a-z]{3,24}$/i;

/** A CSS colour, and nothing that could close the rule it goes in (no `;`, `{`, `}`, quotes or `<`). */
function resolveAccentColor(color: unknown): string {
  if (color === undefined) return DEFAULT_ACCENT_COLOR;
  if (typeof color !== 'string' || !(HEX_COLOR.test(color) || FUNCTION_COLOR.test(color) || NAMED_COLOR.test(color))) {
    throw new WechatConfigError('"pages.accentColor" must be a CSS colour: "#07c160", "#0a7", "rgb(7 193 96)", "hsl(145 93% 39%)" or a colour name such as "teal"');
  }
  return color;
}
