import { describe, expect, it } from '@jest/globals';
import { resolvePages } from '../../lib/config/pages-options.js';
import type { PageLocale } from '../../lib/config/page-strings.js';
import type { PageView } from '../../lib/http/pages.js';
import { phoneConfirmPage, phoneOutcomePage } from '../../lib/scan/pages.js';

const pages = resolvePages({ siteName: 'Tea' });
const viewIn = (locale: PageLocale): PageView => ({ locale, strings: pages.strings[locale], pages });
const NOW = Date.UTC(2026, 11, 2, 12);
const confirm = (locale: PageLocale, desktop: string, shownAgoMs = 12_000) =>
  phoneConfirmPage(viewIn(locale), { desktop, host: 'shop.example.com', shownAt: NOW - shownAgoMs, now: NOW, confirmAction: '/c', cancelAction: '/x', csrfToken: 't<"', picks: [] });
const desktopOf = (html: string) => /id="scan-desktop">([^<]*)</.exec(html)?.[1];

describe("the phone's confirm page in both languages", () => {
  it.each([
    ['Chrome on Windows', 'Windows 上的 Chrome', 'Chrome on Windows'],
    ['A browser on Linux', 'Linux 上的浏览器', 'A browser on Linux'],
    ['An unknown browser', '未知浏览器', 'An unknown browser'],
    ['Edge', 'Edge', 'Edge'],
  ])('names the computer %j in the page’s language', (description, zh, en) => {
    expect(desktopOf(confirm('zh-CN', description))).toBe(zh);
    expect(desktopOf(confirm('en', description))).toBe(en);
  });

  it('says when the code was shown, and the site, in the page’s language', () => {
    expect(confirm('zh-CN', 'Edge')).toContain('>12 秒前</time>');
    expect(confirm('en', 'Edge', 180_000)).toContain('>3 min ago</time>');
    expect(confirm('zh-CN', 'Edge')).toContain('一台电脑正在请求使用你的微信帐号登录 <b>shop.example.com</b>。');
  });

  it('escapes the CSRF token into every form and keeps Confirm and Cancel as POST forms', () => {
    const html = confirm('en', 'Edge');
    expect(html.match(/<input type="hidden" name="csrf" value="t&lt;&quot;">/g)).toHaveLength(2);
    expect(html).toContain('<form class="inline" method="post" action="/c">');
    expect(html).toContain('<form class="inline" method="post" action="/x">');
  });

  it('gives every phone outcome a title and text of its own language', () => {
    for (const kind of ['confirmed', 'cancelled', 'mismatch', 'vetoed', 'taken', 'expired', 'used'] as const) {
      const zh = phoneOutcomePage(viewIn('zh-CN'), kind, '/');
      const en = phoneOutcomePage(viewIn('en'), kind, '/');
      expect(zh).toMatch(/<h1 id="scan-outcome"[^>]*>\p{Script=Han}/u);
      expect(en).not.toMatch(/\p{Script=Han}/u);
      expect(en).toContain('lang="en"');
    }
  });
});
