import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestClock, DEFAULT_EMULATOR_APP, startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { checkToken, codeFor, exchangeCode, getWechat, login, refresh, userinfo } from './emulator-helpers.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const RID = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

let wechat: WechatEmulator;
beforeAll(async () => {
  wechat = await startWechatEmulator();
});
afterAll(() => wechat.close());

describe('exchanging a code (/sns/oauth2/access_token)', () => {
  it('answers JSON labelled text/plain, like WeChat', async () => {
    const answer = await exchangeCode(wechat, await codeFor(wechat, 'bob'));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/plain');
  });

  it('returns access_token, expires_in 7200, refresh_token, openid and scope', async () => {
    const { body } = await exchangeCode(wechat, await codeFor(wechat, 'bob', 'snsapi_base'));
    expect(body).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: expect.any(String),
      openid: wechat.openidFor('bob'),
      scope: 'snsapi_base',
    });
  });

  it('gives each (app, user) a stable 28-character openid', () => {
    expect(wechat.openidFor('alice')).toMatch(/^o[0-9A-Za-z]{27}$/);
    expect(wechat.openidFor('alice')).toBe(wechat.openidFor('alice', DEFAULT_EMULATOR_APP.appId));
    expect(wechat.openidFor('alice')).not.toBe(wechat.openidFor('bob'));
    expect(wechat.openidFor('alice', 'wxother')).not.toBe(wechat.openidFor('alice'));
  });

  it('accepts a code once: the second exchange is 40163 code been used', async () => {
    const code = await codeFor(wechat, 'alice');
    expect((await exchangeCode(wechat, code)).body.access_token).toBeDefined();
    const again = await exchangeCode(wechat, code);
    expect(again.body.errcode).toBe(40163);
    expect(again.body.errmsg).toMatch(/^code been used, rid: /);
    expect(again.body.errmsg).toMatch(RID);
  });

  it('expires codes 5 minutes after issue: 40029 invalid code', async () => {
    const fresh = await codeFor(wechat, 'alice');
    const stale = await codeFor(wechat, 'alice');
    wechat.advanceTime(5 * MINUTE - 1);
    expect((await exchangeCode(wechat, fresh)).body.openid).toBe(wechat.openidFor('alice'));
    wechat.advanceTime(1);
    expect((await exchangeCode(wechat, stale)).body.errcode).toBe(40029);
  });

  it.each([
    ['an unknown code', { code: 'nope' }, 40029],
    ['a missing code', { code: '' }, 41008],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013],
    ['a wrong secret', { secret: 'wrong' }, 40125],
    ['a wrong grant_type', { grant_type: 'client_credential' }, 40002],
  ])('refuses %s', async (_name, overrides, errcode) => {
    const { status, body } = await exchangeCode(wechat, await codeFor(wechat, 'alice'), overrides);
    expect(status).toBe(200);
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(RID);
  });
});

describe('unionid and snapshot users', () => {
  it('returns unionid only for snsapi_userinfo on an Open Platform app, for users who have one', async () => {
    const alice = wechat.users.find((u) => u.id === 'alice')!;
    expect((await login(wechat, 'alice', 'snsapi_userinfo')).unionid).toBe(alice.unionid);
    expect((await login(wechat, 'alice', 'snsapi_base')).unionid).toBeUndefined();
    expect((await login(wechat, 'bob', 'snsapi_userinfo')).unionid).toBeUndefined();
  });

  it('never returns unionid for an app without Open Platform binding', async () => {
    const solo = await startWechatEmulator({ apps: [{ appId: 'wxsolo', appSecret: 's' }] });
    try {
      expect(solo.defaultApp.openPlatform).toBe(false);
      expect((await login(solo, 'alice', 'snsapi_userinfo')).unionid).toBeUndefined();
    } finally {
      await solo.close();
    }
  });

  it('marks snapshot users with is_snapshotuser: 1 and a virtual openid', async () => {
    const tokens = await login(wechat, 'snapshot', 'snsapi_userinfo');
    expect(tokens.is_snapshotuser).toBe(1);
    expect(tokens.openid).toMatch(/^o[0-9A-Za-z]{27}$/);
    expect(tokens.openid).not.toBe(wechat.openidFor('snapshot'));
    expect((await login(wechat, 'alice')).is_snapshotuser).toBeUndefined();
  });

  it('answers userinfo for a snapshot user with 48001', async () => {
    const tokens = await login(wechat, 'snapshot', 'snsapi_userinfo');
    expect((await userinfo(wechat, tokens.access_token!, tokens.openid!)).body.errcode).toBe(48001);
  });
});

describe('user info (/sns/userinfo)', () => {
  it('returns the profile with sex and region blank, as WeChat has since 2021', async () => {
    const tokens = await login(wechat, 'alice');
    const { contentType, body } = await userinfo(wechat, tokens.access_token!, tokens.openid!);
    expect(contentType).toBe('text/plain');
    expect(body).toEqual({
      openid: wechat.openidFor('alice'),
      nickname: '爱丽丝 Alice',
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: `${wechat.url}/avatar/alice/132`,
      privilege: [],
      unionid: wechat.users.find((u) => u.id === 'alice')!.unionid,
    });
  });

  it('returns an empty headimgurl for a user without avatar, and no unionid without one', async () => {
    const tokens = await login(wechat, 'bob');
    const { body } = await userinfo(wechat, tokens.access_token!, tokens.openid!);
    expect(body.headimgurl).toBe('');
    expect(body).not.toHaveProperty('unionid');
  });

  it('refuses a snsapi_base token with 48001 api unauthorized', async () => {
    const tokens = await login(wechat, 'alice', 'snsapi_base');
    const { body } = await userinfo(wechat, tokens.access_token!, tokens.openid!);
    expect(body.errcode).toBe(48001);
    expect(body.errmsg).toMatch(/^api unauthorized/);
  });

  it('refuses an unknown token (40001), another user\'s openid (40003) and an expired token (42001)', async () => {
    const tokens = await login(wechat, 'alice');
    expect((await userinfo(wechat, 'made-up', tokens.openid!)).body.errcode).toBe(40001);
    expect((await userinfo(wechat, tokens.access_token!, wechat.openidFor('bob'))).body.errcode).toBe(40003);
    wechat.advanceTime(7200 * 1000 - 1);
    expect((await userinfo(wechat, tokens.access_token!, tokens.openid!)).body.nickname).toBeDefined();
    wechat.advanceTime(1);
    expect((await userinfo(wechat, tokens.access_token!, tokens.openid!)).body.errcode).toBe(42001);
  });
});

describe('token check (/sns/auth)', () => {
  it('answers { errcode: 0, errmsg: "ok" } for a live token, else 40001 / 40003 / 42001', async () => {
    const tokens = await login(wechat, 'bob', 'snsapi_base');
    expect((await checkToken(wechat, tokens.access_token!, tokens.openid!)).body).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await checkToken(wechat, 'made-up', tokens.openid!)).body.errcode).toBe(40001);
    expect((await checkToken(wechat, tokens.access_token!, wechat.openidFor('alice'))).body.errcode).toBe(40003);
    wechat.advanceTime(7200 * 1000);
    expect((await checkToken(wechat, tokens.access_token!, tokens.openid!)).body.errcode).toBe(42001);
  });
});

describe('refreshing (/sns/oauth2/refresh_token)', () => {
  it('returns a new 7200 s access token and a new refresh token; the old ones stop working', async () => {
    const first = await login(wechat, 'alice');
    const { contentType, body: second } = await refresh(wechat, first.refresh_token!);
    expect(contentType).toBe('text/plain');
    expect(second).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: expect.any(String),
      openid: first.openid,
      scope: 'snsapi_userinfo',
    });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(wechat, first.refresh_token!)).body.errcode).toBe(40030);
    // The grant has one live access token: the replaced one is 40001, which exposes lost updates.
    expect((await userinfo(wechat, first.access_token!, first.openid!)).body.errcode).toBe(40001);
    expect((await userinfo(wechat, second.access_token as string, first.openid!)).body.nickname).toBe('爱丽丝 Alice');
  });

  it('revives an expired access token', async () => {
    const tokens = await login(wechat, 'bob');
    wechat.advanceTime(3 * 60 * MINUTE);
    const { body } = await refresh(wechat, tokens.refresh_token!);
    expect((await checkToken(wechat, body.access_token as string, tokens.openid!)).body.errcode).toBe(0);
  });

  it('expires refresh tokens 30 days after the original authorization, however often they were used (42002)', async () => {
    let refreshToken = (await login(wechat, 'alice')).refresh_token!;
    for (let day = 0; day < 29; day++) {
      wechat.advanceTime(DAY);
      const { body } = await refresh(wechat, refreshToken);
      expect(body.errcode).toBeUndefined();
      refreshToken = body.refresh_token as string;
    }
    wechat.advanceTime(DAY);
    const { body } = await refresh(wechat, refreshToken);
    expect(body.errcode).toBe(42002);
    expect(body.errmsg).toMatch(/^refresh_token timeout/);
  });

  it.each([
    ['an unknown refresh token', { refresh_token: 'nope' }, 40030],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013],
    ['a wrong grant_type', { grant_type: 'authorization_code' }, 40002],
  ])('refuses %s', async (_name, overrides, errcode) => {
    const tokens = await login(wechat, 'alice');
    expect((await refresh(wechat, tokens.refresh_token!, overrides)).body.errcode).toBe(errcode);
  });

  it("refuses another app's refresh token (40030)", async () => {
    const two = await startWechatEmulator({ apps: [DEFAULT_EMULATOR_APP, { appId: 'wxsecond', appSecret: 's2' }] });
    try {
      const tokens = await login(two, 'alice');
      expect((await refresh(two, tokens.refresh_token!, { appid: 'wxsecond' })).body.errcode).toBe(40030);
    } finally {
      await two.close();
    }
  });

  it("returns the same refresh token with refreshTokenRotation: 'same'", async () => {
    const same = await startWechatEmulator({ refreshTokenRotation: 'same' });
    try {
      const first = await login(same, 'alice');
      const second = (await refresh(same, first.refresh_token!)).body;
      expect(second.refresh_token).toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect((await refresh(same, first.refresh_token!)).body.errcode).toBeUndefined();
    } finally {
      await same.close();
    }
  });
});

describe('clock', () => {
  it('uses a given test clock, shared with the code under test', async () => {
    const clock = createTestClock(1_700_000_000_000);
    const shared = await startWechatEmulator({ clock });
    try {
      const tokens = await login(shared, 'alice');
      clock.advance(7200 * 1000);
      expect((await checkToken(shared, tokens.access_token!, tokens.openid!)).body.errcode).toBe(42001);
      expect(shared.clock).toBe(clock);
    } finally {
      await shared.close();
    }
  });

  it('refuses advanceTime on a clock it cannot move', async () => {
    const real = await startWechatEmulator({ clock: { now: () => Date.now() } });
    try {
      expect(() => real.advanceTime(1000)).toThrow(/test clock/);
    } finally {
      await real.close();
    }
  });
});

describe('unknown paths', () => {
  it('answers 404 with a JSON-ish body', async () => {
    const answer = await getWechat(wechat, '/sns/nothing', {});
    expect(answer.status).toBe(404);
    expect(answer.body.errmsg).toMatch(/no route/);
  });
});
