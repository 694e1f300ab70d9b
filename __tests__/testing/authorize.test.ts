import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AuthorizePageError, startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { authorizeAs, authorizeUrl, CALLBACK } from './emulator-helpers.js';

let wechat: WechatEmulator;
beforeAll(async () => {
  wechat = await startWechatEmulator({
    apps: [
      { appId: 'wxdefault0000000001', appSecret: 'secret1', openPlatform: true },
      { appId: 'wxpinned00000000002', appSecret: 'secret2', domains: ['app.example.com', 'localhost:8080'] },
    ],
    users: [
      { id: 'alice', nickname: '爱丽丝 <Alice> & "Co"', headimgurl: '/avatar/alice/132' },
      { id: 'bob', nickname: 'Bob' },
    ],
  });
});
afterAll(() => wechat.close());
beforeEach(() => wechat.resetCalls());

const unescapeHtml = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function hiddenQuery(html: string): string {
  const match = /name="query" value="([^"]*)"/.exec(html);
  if (!match) throw new Error('no hidden query field');
  return unescapeHtml(match[1]!);
}

function confirm(query: string, user: string, consent: 'allow' | 'deny', cookie?: string): Promise<Response> {
  return fetch(`${wechat.url}/connect/oauth2/authorize/confirm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams({ query, user, consent }),
    redirect: 'manual',
  });
}

async function errorOf(url: string, user?: string): Promise<{ status: number; errcode: string | null; html: string }> {
  const res = user ? await authorizeAs(url, user) : await fetch(url, { redirect: 'manual' });
  return { status: res.status, errcode: res.headers.get('x-wechat-emulator-error'), html: await res.text() };
}

const base = (query: string) => `${wechat.url}/connect/oauth2/authorize?${query}`;
const enc = encodeURIComponent;

describe('authorize with the user chosen by header', () => {
  it('redirects snsapi_base at once to redirect_uri?code=CODE&state=STATE', async () => {
    const res = await authorizeAs(authorizeUrl(wechat, { scope: 'snsapi_base', state: 'xyz789' }), 'alice');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('code')).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(location.searchParams.get('state')).toBe('xyz789');
  });

  it('redirects snsapi_userinfo at once when consent is allow (the default)', async () => {
    const res = await authorizeAs(authorizeUrl(wechat, { scope: 'snsapi_userinfo' }), 'bob');
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('sends a refused snsapi_userinfo back with state and no code', async () => {
    const res = await authorizeAs(authorizeUrl(wechat, { scope: 'snsapi_userinfo', state: 's1' }), 'alice', 'deny');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${CALLBACK}?state=s1`);
  });

  it('appends to a redirect_uri that has a query, and leaves its fragment out', async () => {
    const res = await authorizeAs(authorizeUrl(wechat, { redirectUri: 'http://localhost/cb?next=%2Fhome#frag', state: 'S' }), 'alice');
    expect(res.headers.get('location')).toMatch(/^http:\/\/localhost\/cb\?next=%2Fhome&code=[0-9A-Za-z]{32}&state=S$/);
  });

  it('accepts the optional forcePopup and connect_redirect after state', async () => {
    const res = await authorizeAs(`${authorizeUrl(wechat).split('#')[0]}&forcePopup=true&connect_redirect=1#wechat_redirect`, 'alice');
    expect(res.status).toBe(302);
  });

  it('answers an unknown user with a 400 page', async () => {
    const res = await authorizeAs(authorizeUrl(wechat), 'mallory');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('mallory');
  });

  it('counts each authorize request', async () => {
    await authorizeAs(authorizeUrl(wechat), 'alice');
    await fetch(authorizeUrl(wechat), { redirect: 'manual' });
    expect(wechat.calls.authorize).toBe(2);
  });
});

describe('authorize through the consent page', () => {
  it('shows a mobile consent page with the scope, the users as radio buttons, Allow and Deny', async () => {
    const res = await fetch(authorizeUrl(wechat, { scope: 'snsapi_userinfo' }), { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('name="viewport"');
    expect(html).toContain('昵称、头像');
    expect(html).toMatch(/type="radio" name="user" value="alice"/);
    expect(html).toMatch(/type="radio" name="user" value="bob"/);
    expect(html).toContain('value="allow"');
    expect(html).toContain('value="deny"');
    expect(html).toContain('action="/connect/oauth2/authorize/confirm"');
  });

  it('escapes everything it prints', async () => {
    const html = await (await fetch(authorizeUrl(wechat, { scope: 'snsapi_userinfo' }))).text();
    expect(html).toContain('爱丽丝 &lt;Alice&gt; &amp; &quot;Co&quot;');
    expect(html).not.toContain('<Alice>');
  });

  it('shows only a user picker with Continue for snsapi_base', async () => {
    const html = await (await fetch(authorizeUrl(wechat, { scope: 'snsapi_base' }))).text();
    expect(html).toContain('Continue');
    expect(html).not.toContain('value="deny"');
  });

  it('redirects with a code when the form is submitted with Allow', async () => {
    const url = authorizeUrl(wechat, { scope: 'snsapi_userinfo', state: 'formstate' });
    const query = hiddenQuery(await (await fetch(url)).text());
    expect(query).toBe(url.split('?')[1]!.split('#')[0]);
    const res = await confirm(query, 'bob', 'allow');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('code')).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(location.searchParams.get('state')).toBe('formstate');
  });

  it('redirects with state and no code when the form is submitted with Deny', async () => {
    const url = authorizeUrl(wechat, { scope: 'snsapi_userinfo', state: 'denied' });
    const res = await confirm(hiddenQuery(await (await fetch(url)).text()), 'alice', 'deny');
    expect(res.headers.get('location')).toBe(`${CALLBACK}?state=denied`);
  });

  it('re-validates the carried query and the picked user', async () => {
    const tampered = `appid=${wechat.defaultApp.appId}&redirect_uri=${enc('http://evil.example/cb')}&response_type=code&scope=snsapi_base&state=x`;
    const res = await confirm(tampered, 'alice', 'allow');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-wechat-emulator-error')).toBe('10003');
    const url = authorizeUrl(wechat);
    expect((await confirm(url.split('?')[1]!.split('#')[0]!, 'nobody', 'allow')).status).toBe(400);
  });

  it('remembers the picked user in a cookie, so the next snsapi_base is silent', async () => {
    const first = await confirm(authorizeUrl(wechat).split('?')[1]!.split('#')[0]!, 'bob', 'allow');
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^wechat_emulator_user=bob;/);
    const cookie = setCookie.split(';')[0]!;
    const silent = await fetch(authorizeUrl(wechat, { scope: 'snsapi_base' }), { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(silent.status).toBe(302);
    expect(new URL(silent.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    // snsapi_userinfo still asks, with the remembered user preselected.
    const asks = await fetch(authorizeUrl(wechat, { scope: 'snsapi_userinfo' }), { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(asks.status).toBe(200);
    expect(await asks.text()).toMatch(/value="bob" checked/);
  });

  it('serves the avatars it hands out as small SVGs', async () => {
    const alice = wechat.users.find((u) => u.id === 'alice')!;
    expect(alice.headimgurl).toBe(`${wechat.url}/avatar/alice/132`);
    const res = await fetch(alice.headimgurl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toMatch(/^<svg /);
    expect((await fetch(`${wechat.url}/avatar/alice/133`)).status).toBe(404);
  });
});

describe('authorize error pages (HTTP 200, never a redirect)', () => {
  const appid = () => wechat.defaultApp.appId;
  const cases: Array<[string, () => string, string]> = [
    ['10003 for a redirect_uri host outside the domains', () => authorizeUrl(wechat, { redirectUri: 'https://evil.example/cb' }), '10003'],
    ['10003 for a redirect_uri that is not an http(s) URL', () => authorizeUrl(wechat, { redirectUri: 'javascript:alert(1)' }), '10003'],
    ['10003 for a port other than the pinned one', () => authorizeUrl(wechat, { appid: 'wxpinned00000000002', redirectUri: 'http://localhost:3000/cb' }), '10003'],
    ['10010 for an empty scope', () => base(`appid=${appid()}&redirect_uri=${enc(CALLBACK)}&response_type=code&scope=&state=a`), '10010'],
    ['10010 for an unknown scope', () => authorizeUrl(wechat, { scope: 'snsapi_login' }), '10010'],
    ['10011 for an empty redirect_uri', () => base(`appid=${appid()}&redirect_uri=&response_type=code&scope=snsapi_base&state=a`), '10011'],
    ['10012 for an empty appid', () => base(`appid=&redirect_uri=${enc(CALLBACK)}&response_type=code&scope=snsapi_base&state=a`), '10012'],
    ['10012 for an unknown appid', () => authorizeUrl(wechat, { appid: 'wx0000000000000000' }), '10012'],
    ['10013 for a state longer than 128', () => authorizeUrl(wechat, { state: 'a'.repeat(129) }), '10013'],
    ['10013 for a state outside [a-zA-Z0-9]', () => authorizeUrl(wechat, { state: 'abc-def_g' }), '10013'],
    ['10005 for parameters out of order', () => base(`redirect_uri=${enc(CALLBACK)}&appid=${appid()}&response_type=code&scope=snsapi_base&state=a`), '10005'],
    ['10005 for an extra parameter before state', () => base(`appid=${appid()}&redirect_uri=${enc(CALLBACK)}&response_type=code&scope=snsapi_base&connect_redirect=1&state=a`), '10005'],
    ['10005 for a response_type other than code', () => base(`appid=${appid()}&redirect_uri=${enc(CALLBACK)}&response_type=token&scope=snsapi_base&state=a`), '10005'],
  ];

  it.each(cases)('shows %s', async (_name, url, code) => {
    const { status, errcode, html } = await errorOf(url(), 'alice');
    expect(status).toBe(200);
    expect(errcode).toBe(code);
    expect(html).toContain(`错误码：${code}`);
    expect(html).toContain(`${code} `);
  });

  it('accepts exactly 128 characters of state, and no state at all', async () => {
    expect((await authorizeAs(authorizeUrl(wechat, { state: 'a'.repeat(128) }), 'alice')).status).toBe(302);
    const noState = base(`appid=${appid()}&redirect_uri=${enc(CALLBACK)}&response_type=code&scope=snsapi_base`);
    const res = await authorizeAs(noState, 'alice');
    expect(res.headers.get('location')).toMatch(/\?code=[0-9A-Za-z]{32}&state=$/);
  });

  it('accepts any port for a domain listed without one, and the pinned port for host:port', async () => {
    expect((await authorizeAs(authorizeUrl(wechat, { redirectUri: 'http://127.0.0.1:9999/cb' }), 'alice')).status).toBe(302);
    const pinned = authorizeUrl(wechat, { appid: 'wxpinned00000000002', redirectUri: 'http://localhost:8080/cb' });
    expect((await authorizeAs(pinned, 'alice')).status).toBe(302);
    const exact = authorizeUrl(wechat, { appid: 'wxpinned00000000002', redirectUri: 'https://app.example.com/cb' });
    expect((await authorizeAs(exact, 'alice')).status).toBe(302);
    const sub = authorizeUrl(wechat, { appid: 'wxpinned00000000002', redirectUri: 'https://pay.app.example.com/cb' });
    expect((await errorOf(sub, 'alice')).errcode).toBe('10003');
  });
});

describe('authorize() without HTTP', () => {
  it('returns the callback URL WeChat would redirect to', () => {
    const callback = new URL(wechat.authorize(authorizeUrl(wechat, { scope: 'snsapi_userinfo', state: 'st' }), { user: 'alice' }));
    expect(callback.searchParams.get('code')).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(callback.searchParams.get('state')).toBe('st');
  });

  it('returns the no-code callback for a refusal', () => {
    const url = authorizeUrl(wechat, { scope: 'snsapi_userinfo', state: 'st' });
    expect(wechat.authorize(url, { user: 'alice', consent: 'deny' })).toBe(`${CALLBACK}?state=st`);
  });

  it('throws the error page code as an AuthorizePageError', () => {
    const url = authorizeUrl(wechat, { redirectUri: 'https://evil.example/cb' });
    expect(() => wechat.authorize(url, { user: 'alice' })).toThrow(AuthorizePageError);
    expect(() => wechat.authorize(url, { user: 'alice' })).toThrow(/^10003 redirect_uri domain mismatch/);
    try {
      wechat.authorize(url, { user: 'alice' });
    } catch (error) {
      expect((error as AuthorizePageError).errcode).toBe(10003);
    }
  });

  it('throws for an unknown user', () => {
    expect(() => wechat.authorize(authorizeUrl(wechat), { user: 'mallory' })).toThrow(/Unknown emulator user "mallory"/);
  });
});
