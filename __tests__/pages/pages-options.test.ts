import { describe, expect, it } from '@jest/globals';
import { resolveConfig, type WechatLoginOptions } from '../../lib/config/config.js';
import { BUILT_IN_PAGE_STRINGS, PAGE_LOCALES } from '../../lib/config/page-strings.js';
import { resolvePages } from '../../lib/config/pages-options.js';

const base: WechatLoginOptions = {
  appId: 'wx0123456789abcdef',
  appSecret: 'secret',
  redis: 'redis://127.0.0.1:6379',
  session: { secret: 'x'.repeat(32) },
  publicUrl: 'https://shop.example.com',
};
const resolve = (extra: Partial<WechatLoginOptions>) => resolveConfig({ ...base, ...extra }, () => undefined);

describe('the built-in text', () => {
  it('is complete in every language, with the same placeholders in each', () => {
    const keys = Object.keys(BUILT_IN_PAGE_STRINGS.en).sort();
    for (const locale of PAGE_LOCALES) {
      expect(Object.keys(BUILT_IN_PAGE_STRINGS[locale]).sort()).toEqual(keys);
      for (const key of keys) {
        const text = BUILT_IN_PAGE_STRINGS[locale][key as keyof (typeof BUILT_IN_PAGE_STRINGS)['en']];
        expect(text.trim()).not.toBe('');
        const placeholders = (t: string) => [...t.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]).sort();
        expect({ key, placeholders: placeholders(text) }).toEqual({ key, placeholders: placeholders(BUILT_IN_PAGE_STRINGS.en[key as 'logout.title']) });
      }
    }
  });

  it('is Chinese in Chinese: every zh-CN text has Han characters', () => {
    const han = /\p{Script=Han}/u;
    const without = Object.entries(BUILT_IN_PAGE_STRINGS['zh-CN']).filter(([, text]) => !han.test(text)).map(([key]) => key);
    expect(without).toEqual([]);
  });
});

describe('pages options, checked at start-up', () => {
  it('defaults to the built-in text, no branding, WeChat green, the language from each request', () => {
    const pages = resolve({}).pages;
    expect(pages.locale).toBeUndefined();
    expect(pages.strings).toBe(BUILT_IN_PAGE_STRINGS);
    expect(pages.branding).toEqual({ siteName: undefined, logoUrl: undefined, accentColor: '#07c160' });
  });

  it('lays a partial override over the built-in text, key by key and language by language', () => {
    const pages = resolvePages({ strings: { en: { 'logout.title': 'Leave Teahouse?' } } });
    expect(pages.strings.en['logout.title']).toBe('Leave Teahouse?');
    expect(pages.strings.en['logout.submit']).toBe(BUILT_IN_PAGE_STRINGS.en['logout.submit']);
    expect(pages.strings['zh-CN']).toEqual(BUILT_IN_PAGE_STRINGS['zh-CN']);
  });

  it.each([
    [{ locale: 'fr' }, '"pages.locale" must be one of "zh-CN", "en"'],
    [{ locale: 'zh' }, '"pages.locale" must be one of'],
    [{ siteNmae: 'x' }, '"pages.siteNmae" is not an option'],
    [{ strings: { fr: {} } }, '"pages.strings.fr": the languages are'],
    [{ strings: { en: { 'logout.titel': 'x' } } }, '"pages.strings.en.logout.titel" is not a page text'],
    [{ strings: { en: { 'logout.title': '' } } }, 'must be a non-empty string'],
    [{ strings: { en: { 'rateLimited.text': 'Wait a bit' } } }, 'must use the placeholders {seconds} (got none)'],
    [{ strings: { en: { 'logout.title': 'Bye {name}' } } }, 'must use the placeholders none (got {name})'],
    [{ siteName: '' }, '"pages.siteName" must be a non-empty string'],
    [{ siteName: 'x'.repeat(61) }, 'at most 60 characters'],
    [{ siteName: 'a\nb' }, 'without control characters'],
    [{ logoUrl: 'javascript:alert(1)' }, '"pages.logoUrl" must be an https:// URL or a path'],
    [{ logoUrl: 'http://cdn.example.com/logo.png' }, '"pages.logoUrl" must be an https:// URL'],
    [{ logoUrl: '//evil.example/logo.png' }, '"pages.logoUrl" must be an https:// URL'],
    [{ logoUrl: 'data:image/svg+xml,<svg onload=alert(1)>' }, '"pages.logoUrl" must be an https:// URL'],
    [{ logoUrl: '/logo.png" onerror="alert(1)' }, '"pages.logoUrl" must be an https:// URL'],
    [{ accentColor: 'red;}body{display:none' }, '"pages.accentColor" must be a CSS colour'],
    [{ accentColor: '#12345' }, '"pages.accentColor" must be a CSS colour'],
    [{ accentColor: 'rgb(1,2,3);x:y' }, '"pages.accentColor" must be a CSS colour'],
    [{ accentColor: '</style><script>' }, '"pages.accentColor" must be a CSS colour'],
    [{ render: 'html' }, '"pages.render" must be a function'],
  ])('refuses %j naming the option', (pages, message) => {
    expect(() => resolve({ pages: pages as never })).toThrow(message);
  });

  it.each(['#0a7', '#07C160', '#07c160cc', 'rgb(7 193 96)', 'rgba(7, 193, 96, 0.9)', 'hsl(145 93% 39%)', 'teal'])('takes the colour %s', (accentColor) => {
    expect(resolve({ pages: { accentColor } }).pages.branding.accentColor).toBe(accentColor);
  });

  it('names the logo\'s origin for the pages\' Content-Security-Policy only when it is another origin', () => {
    expect(resolve({ pages: { logoUrl: 'https://cdn.example.com/img/logo.png' } }).pages.imageOrigins).toEqual(['https://cdn.example.com']);
    expect(resolve({ pages: { logoUrl: '/logo.png' } }).pages.imageOrigins).toEqual([]);
    expect(resolve({}).pages.imageOrigins).toEqual([]);
  });

  it('takes an https logo or a path on this site, and trims the site name', () => {
    expect(resolve({ pages: { logoUrl: 'https://cdn.example.com/logo.png' } }).pages.branding.logoUrl).toBe('https://cdn.example.com/logo.png');
    expect(resolve({ pages: { logoUrl: '/static/logo.svg' } }).pages.branding.logoUrl).toBe('/static/logo.svg');
    expect(resolve({ pages: { siteName: '  Teahouse 茶馆 ' } }).pages.branding.siteName).toBe('Teahouse 茶馆');
  });
});

describe('routes.postLogoutRedirect', () => {
  it('defaults to / and takes a path or a URL on our host or an allowed one', () => {
    expect(resolve({}).postLogoutRedirect).toBe('/');
    expect(resolve({ routes: { postLogoutRedirect: '/goodbye?from=logout' } }).postLogoutRedirect).toBe('/goodbye?from=logout');
    expect(resolve({ routes: { postLogoutRedirect: 'https://shop.example.com/bye' } }).postLogoutRedirect).toBe('https://shop.example.com/bye');
    expect(resolve({ allowedReturnHosts: ['www.example.com'], routes: { postLogoutRedirect: 'https://www.example.com/' } }).postLogoutRedirect).toBe('https://www.example.com/');
  });

  it.each(['//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/a/../..//evil', '', 'goodbye', '/ok\r\nSet-Cookie: x=1'])(
    'refuses %j naming the option',
    (postLogoutRedirect) => {
      expect(() => resolve({ routes: { postLogoutRedirect } })).toThrow('"routes.postLogoutRedirect" must be a path on this site');
    },
  );
});
