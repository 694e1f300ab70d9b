import { describe, expect, it } from '@jest/globals';
import { createWechatService } from '../../lib/wechat/service.js';
import type { WechatEmulator } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { clientFor, codeFor, optionsFor } from './api-helpers.js';

let emulator: WechatEmulator;
useEmulator((e) => (emulator = e));

const ALICE_UNIONID = 'oAliceUn1onIdEmu1at0r0000001';
const TOKEN = expect.stringMatching(/^\w{20,}$/);

describe('exchangeCode', () => {
  it('snsapi_base: tokens and the openid, no unionid (WeChat only gives it with snsapi_userinfo)', async () => {
    const tokens = await clientFor(emulator).exchangeCode(codeFor(emulator, 'alice', 'snsapi_base'));
    expect(tokens).toEqual({
      access_token: TOKEN,
      expires_in: 7200,
      refresh_token: TOKEN,
      openid: emulator.openidFor('alice'),
      scope: 'snsapi_base',
    });
    expect(emulator.calls.access_token).toBe(1);
  });

  it('snsapi_userinfo: the unionid too, for an account bound to the Open Platform', async () => {
    const tokens = await clientFor(emulator).exchangeCode(codeFor(emulator, 'alice', 'snsapi_userinfo'));
    expect(tokens).toEqual({
      access_token: TOKEN,
      expires_in: 7200,
      refresh_token: TOKEN,
      openid: emulator.openidFor('alice'),
      scope: 'snsapi_userinfo',
      unionid: ALICE_UNIONID,
    });
  });

  it('snsapi_userinfo for a user without a unionid: none in the answer', async () => {
    const tokens = await clientFor(emulator).exchangeCode(codeFor(emulator, 'bob', 'snsapi_userinfo'));
    expect(tokens.openid).toBe(emulator.openidFor('bob'));
    expect(tokens).not.toHaveProperty('unionid');
  });

  it('a snapshot-page visitor: is_snapshotuser 1 and a virtual openid', async () => {
    const tokens = await clientFor(emulator).exchangeCode(codeFor(emulator, 'snapshot', 'snsapi_userinfo'));
    expect(tokens.is_snapshotuser).toBe(1);
    expect(tokens.openid).not.toBe(emulator.openidFor('snapshot'));
  });
});

describe('refreshToken', () => {
  it('returns a new access token (and the refresh token to store), with the same openid and scope', async () => {
    const client = clientFor(emulator);
    const first = await client.exchangeCode(codeFor(emulator, 'alice', 'snsapi_userinfo'));
    const refreshed = await client.refreshToken(first.refresh_token);
    expect(refreshed).toEqual({
      access_token: TOKEN,
      expires_in: 7200,
      refresh_token: TOKEN,
      openid: first.openid,
      scope: 'snsapi_userinfo',
    });
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(await client.checkAccessToken(refreshed.access_token, first.openid)).toBe(true);
    expect(emulator.calls.refresh_token).toBe(1);
  });

  it('works after the access token expired (it is what refresh is for)', async () => {
    const client = clientFor(emulator);
    const first = await client.exchangeCode(codeFor(emulator, 'bob'));
    emulator.advanceTime(7200_000);
    const refreshed = await client.refreshToken(first.refresh_token);
    expect(await client.checkAccessToken(refreshed.access_token, first.openid)).toBe(true);
  });
});

describe('fetchUserInfo', () => {
  it('reads the profile of a snsapi_userinfo grant (sex and region blank since 2021-10-20)', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice', 'snsapi_userinfo'));
    const alice = emulator.users.find((u) => u.id === 'alice')!;
    expect(await client.fetchUserInfo(tokens.access_token, tokens.openid)).toEqual({
      openid: tokens.openid,
      nickname: '爱丽丝 Alice',
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: alice.headimgurl,
      privilege: [],
      unionid: ALICE_UNIONID,
    });
  });

  it('accepts a lang and answers for a user without avatar with an empty headimgurl', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'bob', 'snsapi_userinfo'));
    const bob = await client.fetchUserInfo(tokens.access_token, tokens.openid, 'en');
    expect(bob).toMatchObject({ openid: tokens.openid, nickname: 'Bob', headimgurl: '' });
    expect(bob).not.toHaveProperty('unionid');
  });
});

describe('checkAccessToken', () => {
  it('is true for a live token and its openid', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice'));
    expect(await client.checkAccessToken(tokens.access_token, tokens.openid)).toBe(true);
    expect(emulator.calls.auth).toBe(1);
  });

  it('is false once the token is 7200 s old (42001)', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice'));
    emulator.advanceTime(7200_000);
    expect(await client.checkAccessToken(tokens.access_token, tokens.openid)).toBe(false);
  });

  it('is false for a made-up token (40001) and for another user\'s openid (40003)', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice'));
    expect(await client.checkAccessToken('madeUpAccessToken0000000000', tokens.openid)).toBe(false);
    expect(await client.checkAccessToken(tokens.access_token, emulator.openidFor('bob'))).toBe(false);
  });

  it('is false for the previous token after a refresh replaced it', async () => {
    const client = clientFor(emulator);
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice'));
    await client.refreshToken(tokens.refresh_token);
    expect(await client.checkAccessToken(tokens.access_token, tokens.openid)).toBe(false);
  });
});

describe('createWechatService: the seed surface', () => {
  it('getAccessToken(code) is the code exchange', async () => {
    const service = createWechatService(optionsFor(emulator));
    const tokens = await service.getAccessToken(codeFor(emulator, 'alice', 'snsapi_userinfo'));
    expect(tokens).toMatchObject({ openid: emulator.openidFor('alice'), scope: 'snsapi_userinfo', unionid: ALICE_UNIONID, expires_in: 7200 });
  });

  it('getUserInfo(code) with snsapi_userinfo exchanges the code and reads the profile', async () => {
    const service = createWechatService(optionsFor(emulator));
    const alice = emulator.users.find((u) => u.id === 'alice')!;
    expect(await service.getUserInfo(codeFor(emulator, 'alice', 'snsapi_userinfo'))).toEqual({
      openid: emulator.openidFor('alice'),
      unionid: ALICE_UNIONID,
      nickname: '爱丽丝 Alice',
      headimgurl: alice.headimgurl,
      sex: 0,
      province: '',
      city: '',
      country: '',
    });
    expect(emulator.calls).toMatchObject({ access_token: 1, userinfo: 1 });
  });

  it('getUserInfo(code) with snsapi_base returns the openid without calling /sns/userinfo (it would answer 48001)', async () => {
    const service = createWechatService(optionsFor(emulator));
    const code = codeFor(emulator, 'alice', 'snsapi_base');
    const before = emulator.calls.userinfo;
    expect(await service.getUserInfo(code)).toEqual({ openid: emulator.openidFor('alice') });
    expect(emulator.calls.userinfo).toBe(before);
  });

  it('getUserInfo(code) for a snapshot-page visitor returns the virtual ids only, without /sns/userinfo', async () => {
    const service = createWechatService(optionsFor(emulator));
    const profile = await service.getUserInfo(codeFor(emulator, 'snapshot', 'snsapi_userinfo'));
    expect(Object.keys(profile)).toEqual(['openid']);
    expect(profile.openid).not.toBe(emulator.openidFor('snapshot'));
    expect(emulator.calls.userinfo).toBe(0);
  });

  it('getUserInfo(code) passes lang through', async () => {
    const service = createWechatService({ ...optionsFor(emulator), lang: 'en' });
    expect(await service.getUserInfo(codeFor(emulator, 'bob', 'snsapi_userinfo'))).toMatchObject({ nickname: 'Bob', headimgurl: '' });
  });

  it('keeps every client method: refreshToken, fetchUserInfo, checkAccessToken, buildAuthorizeUrl', async () => {
    const service = createWechatService(optionsFor(emulator));
    const tokens = await service.getAccessToken(codeFor(emulator, 'alice', 'snsapi_userinfo'));
    const refreshed = await service.refreshToken(tokens.refresh_token);
    expect(await service.checkAccessToken(refreshed.access_token, tokens.openid)).toBe(true);
    expect((await service.fetchUserInfo(refreshed.access_token, tokens.openid)).nickname).toBe('爱丽丝 Alice');
    expect(service.buildAuthorizeUrl({ redirectUri: 'http://localhost/cb', scope: 'snsapi_base', state: 'a' })).toMatch(/#wechat_redirect$/);
  });
});
