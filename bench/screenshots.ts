// `npm run screenshots`: every page we render, in Chinese and in English, as Chromium shows it, into
// docs/screenshots/pages/<kind>-<locale>.png (shown in docs/pages.md). The pages come from the same functions
// the routes call, with the branding of the example app, served from a fake origin so the logo loads as a
// path on the site. Chromium: CHROMIUM_PATH, else `command -v chromium`; Chinese needs a CJK font
// (fonts-wqy-microhei). Not part of `npm test`: the tests check the text, this shows the layout.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { chromium, type BrowserContextOptions } from 'playwright-core';
import { resolvePages } from '../lib/config/pages-options.js';
import { PAGE_LOCALES, type PageLocale } from '../lib/config/page-strings.js';
import { logoutConfirmPage, messagePage, qrPage, snapshotPage, type PageView } from '../lib/http/pages.js';
import { qrCodeSvg } from '../lib/http/qr-code.js';
import { desktopOutcomePage, desktopScanPage, openWithWechatPage, phoneConfirmPage, phoneOutcomePage } from '../lib/scan/pages.js';

const ORIGIN = 'https://teahouse.example';
// npm runs scripts from the package's root.
const OUT = join(process.cwd(), 'docs', 'screenshots', 'pages') + sep;
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#b5542f"/><path d="M16 26h28v8a14 14 0 0 1-28 0z" fill="#fff"/><path d="M44 29h4a5 5 0 0 1 0 10h-5" fill="none" stroke="#fff" stroke-width="4"/><path d="M24 14c-3 4 3 6 0 10M32 12c-3 4 3 6 0 10" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`;
const pages = resolvePages({ siteName: 'Teahouse 茶馆', logoUrl: '/logo.svg', accentColor: '#b5542f' });

const DESKTOP: BrowserContextOptions = { viewport: { width: 720, height: 760 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true };

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

async function shots(locale: PageLocale): Promise<Array<{ name: string; html: string; device: BrowserContextOptions }>> {
  const view: PageView = { locale, strings: pages.strings[locale], pages };
  const ticketUrl = `${ORIGIN}/auth/wechat/scan/t/q3Zt9cWm2Lr7xYp0aBcD1e`;
  const scanPage = {
    ticketId: 'q3Zt9cWm2Lr7xYp0aBcD1e',
    ticketUrl,
    qrSvg: (await qrCodeSvg(ticketUrl))!,
    digits: '',
    state: 'waiting' as const,
    // No live status in a screenshot: the URLs lead nowhere on the fake origin.
    eventsUrl: '/none',
    statusUrl: '/none',
    completeUrl: '/none',
    checkUrl: '/auth/wechat/scan?t=q3Zt9cWm2Lr7xYp0aBcD1e',
    renewUrl: '/auth/wechat/scan?renew=1',
    renewalsLeft: 5,
    openInWechatUrl: '/auth/wechat/qr?url=%2Fprofile',
    ttlSeconds: 120,
  };
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);
  return [
    { name: 'scan-desktop', device: DESKTOP, html: desktopScanPage(view, scanPage) },
    { name: 'scan-desktop-scanned', device: DESKTOP, html: desktopScanPage(view, { ...scanPage, state: 'scanned' }) },
    {
      name: 'scan-confirm',
      device: PHONE,
      html: phoneConfirmPage(view, {
        desktop: 'Chrome on Windows',
        host: 'teahouse.example',
        shownAt: now - 12_000,
        now,
        confirmAction: '/confirm',
        cancelAction: '/cancel',
        csrfToken: 'x',
        picks: [],
      }),
    },
    { name: 'scan-phone-confirmed', device: PHONE, html: phoneOutcomePage(view, 'confirmed', '/profile') },
    { name: 'scan-phone-mismatch', device: PHONE, html: phoneOutcomePage(view, 'mismatch', '/') },
    { name: 'scan-desktop-expired', device: DESKTOP, html: desktopOutcomePage(view, 'expired', '/auth/wechat/scan') },
    { name: 'scan-open-with-wechat', device: DESKTOP, html: openWithWechatPage(view) },
    {
      name: 'qr',
      device: DESKTOP,
      html: qrPage(view, { url: `${ORIGIN}/profile`, qrSvg: (await qrCodeSvg(`${ORIGIN}/profile`))!, emulatorLoginHref: '/auth/wechat/login?returnTo=%2Fprofile' }),
    },
    { name: 'logout-confirm', device: PHONE, html: logoutConfirmPage(view, '/auth/wechat/logout', '/') },
    { name: 'busy', device: PHONE, html: messagePage(view, { name: 'busy', title: 'busy.title', text: 'busy.callback', action: { href: '/', label: 'common.tryAgain' } }) },
    { name: 'rate-limited', device: DESKTOP, html: messagePage(view, { name: 'rate-limited', title: 'rateLimited.title', text: 'rateLimited.text', values: { seconds: 42 }, action: { href: '/', label: 'common.home' } }) },
    { name: 'snapshot', device: PHONE, html: snapshotPage(view) },
  ];
}

const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'] });
try {
  mkdirSync(OUT, { recursive: true });
  for (const locale of PAGE_LOCALES) {
    for (const shot of await shots(locale)) {
      const context = await browser.newContext({ ...shot.device, locale });
      const page = await context.newPage();
      await page.route(`${ORIGIN}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/logo.svg') return route.fulfill({ contentType: 'image/svg+xml', body: LOGO });
        if (path === '/page') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: shot.html });
        return route.fulfill({ status: 204 });
      });
      await page.goto(`${ORIGIN}/page`);
      await page.waitForLoadState('networkidle');
      const file = `${OUT}${shot.name}-${locale}.png`;
      await page.screenshot({ path: file, fullPage: true });
      await context.close();
      console.log(file.slice(file.indexOf('docs/')));
    }
  }
} finally {
  await browser.close();
}
