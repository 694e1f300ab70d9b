import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_WEBSITE_APP, startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { authorizeAs, authorizeUrl, CALLBACK, exchangeCode, getWechat, refresh, userinfo } from './emulator-helpers.js';

/** The emulator's Open Platform website app: WeChat's QR page (qrconnect), snsapi_login, its own secret. */
let wechat: WechatEmulator;
beforeAll(async () => {
  wechat = await startWechatEmulator();
});
afterAll(() => wechat.close());

const website = () => wechat.websiteApp!;

/** A qrconnect URL as WeChat documents it: appid, redirect_uri, response_type, scope, state, #wechat_redirect. */
function qrconnectUrl({ appid = website().appId, scope = 'snsapi_login', state = 'st4te', extra = '' } = {}): string {
  return (
    `${wechat.authorizeBaseUrl}/connect/qrconnect?appid=${appid}&redirect_uri=${encodeURIComponent(CALLBACK)}` +
    `&response_type=code&scope=${scope}&state=${state}${extra}#wechat_redirect`
  );
}

async function websiteCode(user: string): Promise<string> {
  const res = await authorizeAs(qrconnectUrl(), user);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

const exchangeAtWebsite = (code: string) => exchangeCode(wechat, code, { appid: website().appId, secret: website().appSecret });

async function pageError(url: string, user?: string): Promise<string | null> {
  const res = user ? await authorizeAs(url, user) : await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(200);
  expect(res.headers.get('location')).toBeNull();
  return res.headers.get('x-wechat-emulator-error');
}

describe('the test website app', () => {
  it('is there by default, beside the Official Account, of the same Open Platform account', () => {
    expect(wechat.apps.map((app) => app.appId)).toEqual([DEFAULT_EMULATOR_APP.appId, DEFAULT_EMULATOR_WEBSITE_APP.appId]);
    expect(website()).toMatchObject({ kind: 'website', openPlatform: true });
    expect(wechat.defaultApp.appId).toBe(DEFAULT_EMULATOR_APP.appId);
  });

  it("signs Alice in at qrconnect: a code for redirect_uri, exchanged with the website app's secret for snsapi_login tokens and her unionid", async () => {
    const res = await authorizeAs(qrconnectUrl({ state: 'abcXYZ1' }), 'alice');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('state')).toBe('abcXYZ1');
    const { body } = await exchangeAtWebsite(location.searchParams.get('code')!);
    const alice = wechat.users.find((u) => u.id === 'alice')!;
    expect(body).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: expect.any(String),
      openid: wechat.openidFor('alice', website().appId),
      scope: 'snsapi_login',
      unionid: alice.unionid,
    });
    // Another app, another openid; the same person, the same unionid as through the Official Account.
    expect(body.openid).not.toBe(wechat.openidFor('alice'));
  });

  it('gives Bob, who has no unionid, none', async () => {
    const { body } = await exchangeAtWebsite(await websiteCode('bob'));
    expect(body.openid).toBe(wechat.openidFor('bob', website().appId));
    expect(body).not.toHaveProperty('unionid');
  });

  it("answers /sns/userinfo for a snsapi_login token, and refreshes with the website app's appid only", async () => {
    const { body } = await exchangeAtWebsite(await websiteCode('alice'));
    const profile = await userinfo(wechat, body.access_token as string, body.openid as string);
    expect(profile.body).toMatchObject({ openid: body.openid, nickname: '爱丽丝 Alice', unionid: body.unionid });
    expect((await refresh(wechat, body.refresh_token as string)).body).toMatchObject({ errcode: 40030 });
    const refreshed = await refresh(wechat, body.refresh_token as string, { appid: website().appId });
    expect(refreshed.body).toMatchObject({ openid: body.openid, scope: 'snsapi_login', expires_in: 7200 });
  });

  it("refuses a website code at the Official Account (40029), and the Official Account's secret for the website app (40125)", async () => {
    expect((await exchangeCode(wechat, await websiteCode('alice'))).body).toMatchObject({ errcode: 40029 });
    const code = await websiteCode('alice');
    expect((await exchangeCode(wechat, code, { appid: website().appId })).body).toMatchObject({ errcode: 40125 });
    // The code survives a refused secret: WeChat checks the secret before it looks at the code.
    expect((await exchangeAtWebsite(code)).body).toMatchObject({ scope: 'snsapi_login' });
  });

  it('refuses the website appid at the Official Account page (10016) and the Official Account appid at qrconnect (10005)', async () => {
    expect(await pageError(authorizeUrl(wechat, { appid: website().appId, scope: 'snsapi_userinfo' }), 'alice')).toBe('10016');
    expect(await pageError(qrconnectUrl({ appid: wechat.defaultApp.appId }), 'alice')).toBe('10005');
  });

  it('refuses another scope than snsapi_login, and parameters out of WeChat\'s order, with its scope page', async () => {
    expect(await pageError(qrconnectUrl({ scope: 'snsapi_userinfo' }), 'alice')).toBe('10005');
    const shuffled = `${wechat.url}/connect/qrconnect?redirect_uri=${encodeURIComponent(CALLBACK)}&appid=${website().appId}&response_type=code&scope=snsapi_login&state=s#wechat_redirect`;
    expect(await pageError(shuffled, 'alice')).toBe('10005');
    expect(await pageError(qrconnectUrl({ state: 'not-base62' }), 'alice')).toBe('10013');
  });

  it('shows its QR page to a browser, whose form signs the chosen user in or, cancelled on the phone, stays put', async () => {
    const page = await fetch(qrconnectUrl(), { redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/connect/qrconnect/confirm"');
    expect(html).toContain('<svg');
    const query = /name="query" value="([^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const confirm = (consent: string) =>
      fetch(`${wechat.url}/connect/qrconnect/confirm`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query, user: 'alice', consent }),
        redirect: 'manual',
      });
    const allowed = await confirm('allow');
    expect(allowed.status).toBe(302);
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    expect(allowed.headers.get('set-cookie')).toBeNull(); // nobody is remembered: each sign-in is a scan
    const cancelled = await confirm('deny');
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get('location')).toBeNull();
    expect(await cancelled.text()).toContain('你已取消此次登录');
  });

  it("redirects the top window from wxLogin.js's iframe unless self_redirect=true", async () => {
    const framed = await authorizeAs(qrconnectUrl({ extra: '&login_type=jssdk&self_redirect=false' }), 'alice');
    expect(framed.status).toBe(200);
    const html = await framed.text();
    expect(html).toMatch(/window\.top\.location\.href = "http:\/\/localhost:3000\/auth\/callback\?code=[0-9A-Za-z]+&state=st4te"/);
    const self = await authorizeAs(qrconnectUrl({ extra: '&login_type=jssdk&self_redirect=true' }), 'alice');
    expect(self.status).toBe(302);
  });

  it('walks qrconnect without a page through emulator.authorize(), and counts its calls apart', async () => {
    wechat.resetCalls();
    const callback = new URL(wechat.authorize(qrconnectUrl(), { user: 'alice' }));
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(() => wechat.authorize(qrconnectUrl(), { user: 'alice', consent: 'deny' })).toThrow(/cancelled/);
    await authorizeAs(qrconnectUrl(), 'bob');
    expect(wechat.calls).toMatchObject({ qrconnect: 1, authorize: 0 });
  });

  it('answers a fault injected for qrconnect there only', async () => {
    wechat.injectFault('qrconnect', 'http500');
    expect((await authorizeAs(authorizeUrl(wechat, { scope: 'snsapi_base' }), 'alice')).status).toBe(302);
    expect((await authorizeAs(qrconnectUrl(), 'alice')).status).toBe(500);
    expect((await authorizeAs(qrconnectUrl(), 'alice')).status).toBe(302);
  });

  it('checks the kind of an app it is given', async () => {
    await expect(startWechatEmulator({ apps: [{ appId: 'wxa', appSecret: 'a', kind: 'mini' as 'website' }] })).rejects.toThrow(/"apps\[0\]\.kind"/);
  });
});

describe('an emulator given only Official Accounts', () => {
  it('has no website app', async () => {
    const solo = await startWechatEmulator({ apps: [{ appId: 'wxsolo', appSecret: 's' }] });
    try {
      expect(solo.websiteApp).toBeUndefined();
      const answer = await getWechat(solo, '/sns/oauth2/access_token', { appid: 'wxsolo', secret: 's', code: 'x', grant_type: 'authorization_code' });
      expect(answer.body).toMatchObject({ errcode: 40029 });
    } finally {
      await solo.close();
    }
  });
});
