import type { Request } from 'express';
import { logger } from '../debug.js';
import type { PageLocale, PageStringKey, PageStrings } from '../config/page-strings.js';
import type { ResolvedPagesConfig, WechatPage, WechatPageData } from '../config/pages-options.js';
import { localeOf } from './page-locale.js';

/**
 * The page shell every page of ours is rendered in, and the pages shared by the features (message, QR,
 * snapshot, logout confirm). Mobile first (they are read inside WeChat); all text escaped; the language chosen
 * per request (`page-locale.ts`), the text from `pages.strings` over the built-in ones, the app's branding on
 * every page, and `pages.render` given the page's data to render it itself.
 */

const log = logger('pages');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What a page needs of its request: the language and the app's page settings. */
export interface PageView {
  locale: PageLocale;
  strings: Readonly<PageStrings>;
  pages: ResolvedPagesConfig;
  /** This response's CSP nonce, when one is enforced. */
  nonce?: string | undefined;
}

export function pageView(pages: ResolvedPagesConfig, req: Request, nonce?: string): PageView {
  const locale = localeOf(req, pages);
  return { locale, strings: pages.strings[locale], pages, nonce: nonce ?? (req.res?.locals as { cspNonce?: string } | undefined)?.cspNonce };
}

/** A text of this language, escaped, its `{placeholders}` filled with `values` (escaped too). */
export function text(view: PageView, key: PageStringKey, values: Record<string, string | number> = {}): string {
  return fill(escapeHtml(view.strings[key]), Object.fromEntries(Object.entries(values).map(([k, v]) => [k, escapeHtml(String(v))])));
}

/** A text with HTML of ours in its placeholders (a link inside a sentence). */
export function textWithHtml(view: PageView, key: PageStringKey, html: Record<string, string>): string {
  return fill(escapeHtml(view.strings[key]), html);
}

/** The same text as plain text (for a title or a script's data). */
export function plain(view: PageView, key: PageStringKey, values: Record<string, string | number> = {}): string {
  return fill(view.strings[key], Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])));
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Helvetica Neue","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;
background:#f2f2f2;color:#1f1f1f;display:flex;min-height:100vh;align-items:center;justify-content:center;padding:24px}
main{background:#fff;border-radius:16px;box-shadow:0 8px 30px rgba(0,0,0,.08);max-width:420px;width:100%;padding:32px 28px;text-align:center}
h1{font-size:22px;margin:0 0 8px}p{color:#555;margin:8px 0 16px}.muted{color:#888;font-size:14px}
.btn{display:inline-block;border:0;border-radius:8px;background:var(--accent);color:#fff;font-family:inherit;font-size:16px;line-height:1.5;vertical-align:middle;padding:12px 28px;text-decoration:none;cursor:pointer;margin:6px}
.btn.secondary{background:#f2f2f2;color:#1f1f1f}.qr{width:220px;height:220px;margin:8px auto 4px;padding:10px;border:1px solid #eee;border-radius:12px}
.qr svg{width:100%;height:100%}.badge{display:inline-block;width:56px;height:56px;border-radius:50%;background:var(--accent);color:#fff;font-size:30px;line-height:56px;margin-bottom:12px}
.badge svg{vertical-align:middle}.url{word-break:break-all;font-size:13px;color:#888}
.brand{display:flex;align-items:center;justify-content:center;gap:8px;margin:-8px 0 20px;font-weight:600;color:#1f1f1f}
.brand img{height:28px;width:auto;max-width:120px;object-fit:contain}form.inline{display:inline}`;

export interface PageOptions {
  title: string;
  body: string;
  /** Navigate here at once (a fresh login after a stale callback). */
  refreshTo?: string | undefined;
  /** More CSS, after the shell's own. */
  style?: string;
  /** Inline script, run at the end of the body. */
  script?: string;
}

/** The built-in shell: `<html lang>` of the request's language, the branding, the accent colour. */
export function page(view: PageView, { title, body, refreshTo, style = '', script }: PageOptions): string {
  const { siteName, logoUrl, accentColor } = view.pages.branding;
  const nonce = view.nonce ? ` nonce="${escapeHtml(view.nonce)}"` : '';
  const refresh = refreshTo ? `<meta http-equiv="refresh" content="0;url=${escapeHtml(refreshTo)}">` : '';
  const fullTitle = siteName ? `${title} · ${siteName}` : title;
  const logo = logoUrl ? `<img src="${escapeHtml(logoUrl)}" alt="">` : '';
  const brand = siteName || logoUrl ? `<header class="brand" id="brand">${logo}${siteName ? `<span>${escapeHtml(siteName)}</span>` : ''}</header>` : '';
  const scriptTag = script ? `<script${nonce}>${script}</script>` : '';
  // accentColor is checked at start-up to be a CSS colour (no ; { } < or quotes), so it cannot leave its rule.
  return `<!doctype html><html lang="${view.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">${refresh}<title>${escapeHtml(fullTitle)}</title><style${nonce}>:root{--accent:${accentColor}}${STYLE}${style}</style></head>
<body><main>${brand}${body}</main>${scriptTag}</body></html>`;
}

/**
 * The page for `data`: the app's `pages.render` when it returns a string, else the built-in one. A render that
 * throws is logged and the built-in page is sent: a page of ours never becomes a 500 because of it.
 */
export function renderPage(view: PageView, data: WechatPageData, builtIn: PageOptions): string {
  const html = page(view, builtIn);
  const render = view.pages.render;
  if (!render) return html;
  const full: WechatPage = {
    ...data,
    locale: view.locale,
    strings: view.strings,
    branding: view.pages.branding,
    nonce: view.nonce,
    title: builtIn.title,
    html,
    escape: escapeHtml,
  };
  try {
    const custom = render(full);
    if (typeof custom === 'string') return custom;
    if (custom !== undefined) log('pages.render returned %s for a %s page, not a string: the built-in page is sent', typeof custom, data.kind);
  } catch (error) {
    log('pages.render threw for a %s page (the built-in page is sent): %s', data.kind, (error as Error)?.message);
  }
  return html;
}

export interface MessageOptions {
  /** Which message, for a custom render: 'busy', 'rate-limited', 'declined', … */
  name: string;
  title: PageStringKey;
  text: PageStringKey;
  values?: Record<string, string | number>;
  action?: { href: string; label: PageStringKey };
  refreshTo?: string;
}

/** An error, busy or outcome page: a badge, a title, a sentence, and maybe one button. */
export function messagePage(view: PageView, o: MessageOptions): string {
  const title = plain(view, o.title);
  const message = plain(view, o.text, o.values);
  const action = o.action ? { href: o.action.href, label: plain(view, o.action.label) } : undefined;
  const button = action ? `<a class="btn" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a>` : '';
  return renderPage(
    view,
    { kind: 'message', name: o.name, message, action, refreshTo: o.refreshTo },
    {
      title,
      refreshTo: o.refreshTo,
      body: `<div class="badge" aria-hidden="true">!</div><h1 id="message-title" data-message="${escapeHtml(o.name)}">${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${button}`,
    },
  );
}

export interface QrPageOptions {
  /** The page to open in WeChat. */
  url: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
  /** Shown only when the WeChat emulator plays WeChat (development). */
  emulatorLoginHref?: string | undefined;
}

export function qrPage(view: PageView, { url, qrSvg, emulatorLoginHref }: QrPageOptions): string {
  const emulator = emulatorLoginHref
    ? `<p class="muted">${text(view, 'qr.devNote')}</p><a class="btn secondary" id="emulator-login" href="${escapeHtml(emulatorLoginHref)}">${text(view, 'qr.emulator')}</a>`
    : '';
  return renderPage(
    view,
    { kind: 'qr', url, qrSvg, emulatorLoginHref },
    {
      title: plain(view, 'qr.title'),
      body: `<div class="badge" aria-hidden="true"><svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round"><path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3M4 12h16"/></svg></div><h1>${text(view, 'qr.title')}</h1>
<p>${text(view, 'qr.text')}</p>
<div class="qr" id="qr" data-url="${escapeHtml(url)}">${qrSvg}</div>
<p class="url">${escapeHtml(url)}</p>${emulator}`,
    },
  );
}

export function snapshotPage(view: PageView): string {
  return renderPage(
    view,
    { kind: 'snapshot' },
    {
      title: plain(view, 'snapshot.title'),
      body: `<div class="badge" aria-hidden="true">i</div><h1>${text(view, 'snapshot.title')}</h1>
<p>${text(view, 'snapshot.text')}</p>`,
    },
  );
}

/** Sign out, or Cancel back to where the visitor came from (`returnTo`, else the home page). */
export function logoutConfirmPage(view: PageView, action: string, cancelHref: string): string {
  return renderPage(
    view,
    { kind: 'logout-confirm', action, cancelHref },
    {
      title: plain(view, 'logout.title'),
      body: `<h1>${text(view, 'logout.title')}</h1><p>${text(view, 'logout.text')}</p>
<form class="inline" method="post" action="${escapeHtml(action)}"><button class="btn" id="logout-submit" type="submit">${text(view, 'logout.submit')}</button></form>
<a class="btn secondary" id="logout-cancel" href="${escapeHtml(cancelHref)}">${text(view, 'logout.cancel')}</a>`,
    },
  );
}
