import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { WechatPage, WechatLogin } from '../../lib/index.js';
import { DESKTOP_UA, WECHAT_UA, login, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

const OURS = 'http://localhost:3000';
const langOf = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];
const h1Of = (html: string) => /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1];

describe('the built-in pages in Chinese and English', () => {
  let app: Express;
  useLoginSuite((suite) => ({ app } = suite));

  it('speaks Chinese by default (no Accept-Language), with lang="zh-CN"', async () => {
    const res = await request(app).get('/auth/wechat/logout');
    expect(res.status).toBe(200);
    expect(langOf(res.text)).toBe('zh-CN');
    expect(h1Of(res.text)).toBe('确定退出登录？');
    expect(res.text).toContain('>退出登录</button>');
    expect(res.text).not.toMatch(/Sign out/);
  });

  it('speaks English to a browser that asks for it, with lang="en"', async () => {
    const res = await request(app).get('/auth/wechat/logout').set('Accept-Language', 'en-US,en;q=0.9');
    expect(langOf(res.text)).toBe('en');
    expect(h1Of(res.text)).toBe('Sign out?');
    expect(res.text).not.toMatch(/\p{Script=Han}/u);
  });

  it('follows q-values: English preferred over Chinese reads English, and the other way round', async () => {
    const en = await request(app).get('/auth/wechat/logout').set('Accept-Language', 'zh-CN;q=0.4,en;q=0.9');
    expect(langOf(en.text)).toBe('en');
    const zh = await request(app).get('/auth/wechat/logout').set('Accept-Language', 'en;q=0.4,zh;q=0.9');
    expect(langOf(zh.text)).toBe('zh-CN');
  });

  it('speaks the language of the request on the QR page, the desktop scan page and its live-status text', async () => {
    const qr = await request(app).get('/auth/wechat/qr?url=/profile').set('Accept-Language', 'en');
    expect(h1Of(qr.text)).toBe('Open this page in WeChat');
    const qrZh = await request(app).get('/auth/wechat/qr?url=/profile');
    expect(h1Of(qrZh.text)).toBe('请在微信中打开此页面');

    const scanEn = await request(app).get('/profile').set('User-Agent', DESKTOP_UA).set('Accept-Language', 'en');
    expect(scanEn.status).toBe(401);
    expect(langOf(scanEn.text)).toBe('en');
    expect(h1Of(scanEn.text)).toBe('Scan with WeChat to sign in');
    expect(scanEn.text).toContain('open this page in WeChat</a>');
    const scanZh = await request(app).get('/profile').set('User-Agent', DESKTOP_UA).set('Accept-Language', 'zh-CN');
    expect(h1Of(scanZh.text)).toBe('请使用微信扫码登录');
    // The script's own text for the states it shows later comes in the page's language too.
    const config = JSON.parse(/data-config="([^"]+)"/.exec(scanZh.text)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    expect(config.text.expired).toEqual(['二维码已过期', '请获取新的二维码后重试。']);
    expect(config.newCode).toBe('获取新的二维码');
  });

  it('speaks Chinese on the phone (WeChat sends zh-CN) through the rate-limit and error pages', async () => {
    const callback = await request(app).get('/auth/wechat/callback?code=x&state=y').set('User-Agent', WECHAT_UA).set('Accept-Language', 'zh-CN');
    expect(callback.status).toBe(403);
    expect(langOf(callback.text)).toBe('zh-CN');
    expect(h1Of(callback.text)).toBe('登录链接已过期');
  });
});

describe('an address too long for a QR code (no publicUrl, a 4 KB Host)', () => {
  let app: Express;
  useLoginSuite((suite) => ({ app } = suite), { options: { publicUrl: undefined } });
  const HUGE_HOST = `${'h'.repeat(4_000)}.example`;

  it.each([
    ['the QR page', '/auth/wechat/qr?url=%2Fprofile'],
    ['a guarded page on a desktop', '/profile'],
  ])('%s: a 400 page in the request’s language, not a bare text', async (_name, path) => {
    const en = await request(app).get(path).set('Host', HUGE_HOST).set('User-Agent', DESKTOP_UA).set('Accept-Language', 'en');
    expect(en.status).toBe(400);
    expect(en.headers['content-type']).toMatch(/^text\/html/);
    expect(langOf(en.text)).toBe('en');
    expect(h1Of(en.text)).toBe('Address too long');
    const zh = await request(app).get(path).set('Host', HUGE_HOST).set('User-Agent', DESKTOP_UA);
    expect(h1Of(zh.text)).toBe('地址过长');
    expect(zh.text).not.toContain(HUGE_HOST);
  });
});

describe('logout: Cancel, and where the browser lands', () => {
  let world: LoginWorld;
  let app: Express;
  useLoginSuite((suite) => ({ world, app } = suite));

  it('offers Cancel back to returnTo, or to the home page without one', async () => {
    const withReturn = await request(app).get('/auth/wechat/logout?returnTo=%2Forders%3Fpage%3D2');
    expect(/id="logout-cancel" href="([^"]+)"/.exec(withReturn.text)?.[1]).toBe('/orders?page=2');
    expect(withReturn.text).toContain('action="/auth/wechat/logout?returnTo=%2Forders%3Fpage%3D2"');
    const plain = await request(app).get('/auth/wechat/logout');
    expect(/id="logout-cancel" href="([^"]+)"/.exec(plain.text)?.[1]).toBe('/');
    const foreign = await request(app).get('/auth/wechat/logout?returnTo=https%3A%2F%2Fevil.example%2F');
    expect(/id="logout-cancel" href="([^"]+)"/.exec(foreign.text)?.[1]).toBe('/');
  });

  it('lands on / after signing out by default, and on returnTo when the form names one', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { returnTo: '/profile' });
    const out = await agent.post('/auth/wechat/logout').set('Origin', OURS);
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/');
    expect((await agent.get('/').set('Accept-Language', 'en')).status).toBe(200);
    await login(agent, world.emulator, { returnTo: '/profile' });
    const back = await agent.post('/auth/wechat/logout?returnTo=%2Fbye').set('Origin', OURS);
    expect(back.headers.location).toBe('/bye');
  });

  describe('with routes.postLogoutRedirect', () => {
    let app2: Express;
    let world2: LoginWorld;
    useLoginSuite((suite) => ({ app: app2, world: world2 } = suite), { options: { routes: { postLogoutRedirect: '/goodbye' } } });

    it('lands there when the logout names no returnTo', async () => {
      const agent = request.agent(app2);
      await login(agent, world2.emulator, { returnTo: '/profile' });
      const out = await agent.post('/auth/wechat/logout').set('Origin', OURS);
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/goodbye');
      expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
    });
  });
});

describe('pages options on a running app', () => {
  describe('forced locale and a partial override', () => {
    let app: Express;
    useLoginSuite((suite) => ({ app } = suite), {
      options: { pages: { locale: 'en', strings: { en: { 'logout.title': 'Leave the teahouse?' }, 'zh-CN': { 'logout.title': '离开茶馆？' } } } },
    });

    it('speaks English whatever the request asks, the overridden text beside the built-in rest', async () => {
      const res = await request(app).get('/auth/wechat/logout').set('Accept-Language', 'zh-CN');
      expect(langOf(res.text)).toBe('en');
      expect(h1Of(res.text)).toBe('Leave the teahouse?');
      expect(res.text).toContain('You will need WeChat to sign in again.');
      expect(res.text).toContain('>Sign out</button>');
    });
  });

  describe('branding', () => {
    let app: Express;
    useLoginSuite((suite) => ({ app } = suite), {
      options: { pages: { siteName: '<script>alert(1)</script> & Tea', logoUrl: '/logo.png?a=1&b=2', accentColor: '#aa3300' } },
    });

    it('shows the site name as text (escaped), the logo and the accent colour on every page', async () => {
      const pages = [
        await request(app).get('/auth/wechat/logout'),
        await request(app).get('/auth/wechat/qr?url=/profile'),
        await request(app).get('/profile').set('User-Agent', DESKTOP_UA),
        await request(app).get('/auth/wechat/callback?code=x&state=y'),
      ];
      for (const res of pages) {
        expect(res.text).toContain('<span>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Tea</span>');
        expect(res.text).not.toContain('<script>alert(1)');
        expect(res.text).toContain('<img src="/logo.png?a=1&amp;b=2" alt="">');
        expect(res.text).toContain(':root{--accent:#aa3300}');
        expect(res.text).toMatch(/<title>[^<]+ · &lt;script&gt;/);
      }
    });
  });

  describe('a custom render', () => {
    let app: Express;
    let wechat: WechatLogin;
    const seen: WechatPage[] = [];
    useLoginSuite((suite) => ({ app, wechat } = suite), {
      options: {
        pages: {
          render(page) {
            seen.push(page);
            if (page.kind === 'logout-confirm') {
              return `<!doctype html><html lang="${page.locale}"><title>${page.escape(page.title)}</title><form method="post" action="${page.escape(page.action)}"><button>${page.escape(page.strings['logout.submit'])}</button></form><a href="${page.escape(page.cancelHref)}">${page.escape(page.strings['logout.cancel'])}</a>`;
            }
            if (page.kind === 'qr') throw new Error('a bug in the app');
            if (page.kind === 'scan-desktop') return `${page.html}<!-- wrapped -->`;
            return undefined;
          },
        },
      },
    });

    it('renders the page from its data, and our route keeps its headers (no-store)', async () => {
      const res = await request(app).get('/auth/wechat/logout?returnTo=%2Forders').set('Accept-Language', 'en');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toBe(
        '<!doctype html><html lang="en"><title>Sign out?</title><form method="post" action="/auth/wechat/logout?returnTo=%2Forders"><button>Sign out</button></form><a href="/orders">Cancel</a>',
      );
      const page = seen.find((p) => p.kind === 'logout-confirm')!;
      expect(page).toMatchObject({ kind: 'logout-confirm', locale: 'en', cancelHref: '/orders', branding: { accentColor: '#07c160' } });
      expect(page.html).toContain('id="logout-cancel"');
      expect('nonce' in page).toBe(true);
    });

    it('gives the scan page its ticket URL, status URLs and script, and keeps its no-store', async () => {
      const res = await request(app).get('/profile').set('User-Agent', DESKTOP_UA);
      expect(res.status).toBe(401);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text.endsWith('<!-- wrapped -->')).toBe(true);
      const page = seen.filter((p) => p.kind === 'scan-desktop').at(-1)!;
      if (page.kind !== 'scan-desktop') throw new Error('no scan page rendered');
      expect(page.ticketUrl).toMatch(/^http:\/\/localhost:3000\/auth\/wechat\/scan\/t\//);
      expect(page.statusUrl).toMatch(/^\/auth\/wechat\/scan\/status\?t=/);
      expect(page.eventsUrl).toMatch(/^\/auth\/wechat\/scan\/events\?t=/);
      expect(page.script).toContain('EventSource');
      expect(page.locale).toBe('zh-CN');
    });

    it('falls back to the built-in page when it returns undefined or throws (never a 500)', async () => {
      const qr = await request(app).get('/auth/wechat/qr?url=/profile');
      expect(qr.status).toBe(200);
      expect(h1Of(qr.text)).toBe('请在微信中打开此页面');
      const error = await request(app).get('/auth/wechat/callback?code=x&state=y');
      expect(error.status).toBe(403);
      expect(seen.some((p) => p.kind === 'message' && p.name === 'restarting')).toBe(true);
      expect(wechat).toBeDefined();
    });
  });
});
