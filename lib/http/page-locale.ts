import type { Request } from 'express';
import { DEFAULT_PAGE_LOCALE, type PageLocale } from '../config/page-strings.js';
import type { ResolvedPagesConfig } from '../config/pages-options.js';

/**
 * Which of our languages a request reads: `pages.locale` when forced, else the best of `Accept-Language` by its
 * q-values (any `zh…` is Chinese, any `en…` English; `q=0` means "not this one"; ties go to the earlier), else
 * Chinese, which is what WeChat's users read (WeChat itself sends `zh-CN`).
 */
export function chooseLocale(acceptLanguage: string | undefined, forced?: PageLocale): PageLocale {
  if (forced) return forced;
  if (!acceptLanguage) return DEFAULT_PAGE_LOCALE;
  let best: { locale: PageLocale; q: number } | undefined;
  // A header is short in practice; a huge one is read no further than its first 64 entries.
  for (const entry of acceptLanguage.split(',', 64)) {
    const [tag = '', ...params] = entry.trim().split(';');
    const locale = localeOfTag(tag.trim().toLowerCase());
    if (!locale) continue;
    const q = qualityOf(params);
    if (q > 0 && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? DEFAULT_PAGE_LOCALE;
}

function localeOfTag(tag: string): PageLocale | undefined {
  if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  return undefined;
}

/** `q=0.8` → 0.8; no q → 1; a malformed q → 0 (RFC 9110: at most three decimals, 0 to 1). */
function qualityOf(params: string[]): number {
  for (const param of params) {
    const [name, value] = param.trim().split('=', 2).map((s) => s.trim());
    if (name?.toLowerCase() !== 'q') continue;
    return value !== undefined && /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0;
  }
  return 1;
}

/** The locale of this request under these settings. */
export function localeOf(req: Request, pages: ResolvedPagesConfig): PageLocale {
  return chooseLocale(req.get('accept-language'), pages.locale);
}
