import { describe, expect, it } from '@jest/globals';
import { chooseLocale } from '../../lib/http/page-locale.js';

describe('the language of our pages, from Accept-Language', () => {
  it.each([
    [undefined, 'zh-CN'],
    ['', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-CN,zh;q=0.9', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['EN-gb', 'en'],
    ['fr-FR,de;q=0.8', 'zh-CN'],
    ['*', 'zh-CN'],
  ])('%j reads %s (Chinese unless English is asked for)', (header, locale) => {
    expect(chooseLocale(header)).toBe(locale);
  });

  it.each([
    ['zh-CN;q=0.5,en;q=0.8', 'en'],
    ['en;q=0.5,zh;q=0.8', 'zh-CN'],
    ['fr,en;q=0.9,zh;q=0.8', 'en'],
    ['en;q=0, zh;q=0.1', 'zh-CN'],
    ['zh;q=0, en;q=0.1', 'en'],
    ['en;q=0', 'zh-CN'],
    ['en ; q=0.7 , zh ; q = 0.6', 'en'],
  ])('honours q-values: %j reads %s', (header, locale) => {
    expect(chooseLocale(header)).toBe(locale);
  });

  it('gives a tie to the language named first', () => {
    expect(chooseLocale('en;q=0.8,zh;q=0.8')).toBe('en');
    expect(chooseLocale('zh;q=0.8,en;q=0.8')).toBe('zh-CN');
  });

  it('reads a malformed q as "not this one", never throws on junk', () => {
    expect(chooseLocale('en;q=2,zh;q=0.3')).toBe('zh-CN');
    expect(chooseLocale('en;q=abc')).toBe('zh-CN');
    expect(chooseLocale(';;;,,,;q=')).toBe('zh-CN');
    expect(chooseLocale('x'.repeat(10_000) + ',en')).toBe('en');
  });

  it('is forced by pages.locale whatever the header says', () => {
    expect(chooseLocale('zh-CN', 'en')).toBe('en');
    expect(chooseLocale('en', 'zh-CN')).toBe('zh-CN');
    expect(chooseLocale(undefined, 'en')).toBe('en');
  });
});
