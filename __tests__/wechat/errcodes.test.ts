import { describe, expect, it } from '@jest/globals';
import {
  ERR_INVALID_ARGUMENT,
  ERR_WECHAT_API,
  ERR_WECHAT_UNAVAILABLE,
  WECHAT_ERRCODES,
  WechatApiError,
  hasErrcode,
  isTransientError,
  type WechatEndpoint,
} from '../../lib/errors.js';
import type { WechatEmulator } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { clientFor, codeFor, rejectionOf } from './api-helpers.js';

let emulator: WechatEmulator;
useEmulator((e) => (emulator = e));

const RID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** Every WeChat errcode surfaces the same way: a WechatApiError carrying WeChat's own words. */
function expectApiError(error: unknown, endpoint: WechatEndpoint, errcode: number, errmsg: string, status = 400): void {
  expect(error).toBeInstanceOf(WechatApiError);
  expect(error).toMatchObject({
    name: 'WechatApiError',
    code: ERR_WECHAT_API,
    status,
    endpoint,
    errcode,
    errmsg: expect.stringMatching(new RegExp(`^${errmsg}, rid: `)),
    rid: expect.stringMatching(RID),
  });
  const e = error as WechatApiError;
  // rid is parsed from errmsg, so it can be quoted to WeChat's support.
  expect(e.errmsg.endsWith(`rid: ${e.rid}`)).toBe(true);
  expect(e.message).toContain(String(errcode));
  expect(hasErrcode(e, errcode)).toBe(true);
  expect(isTransientError(e)).toBe(errcode === -1);
}

async function tokensFor(user: string, scope: 'snsapi_base' | 'snsapi_userinfo' = 'snsapi_userinfo') {
  return clientFor(emulator).exchangeCode(codeFor(emulator, user, scope));
}

describe('WeChat errcodes become WechatApiError with errcode, errmsg, rid and endpoint', () => {
  it('40001 invalid credential: a made-up or replaced access token', async () => {
    const client = clientFor(emulator);
    expectApiError(await rejectionOf(client.fetchUserInfo('madeUpAccessToken', emulator.openidFor('alice'))), 'userinfo', 40001, 'invalid credential, access_token is invalid or not latest');
    const tokens = await tokensFor('alice');
    await client.refreshToken(tokens.refresh_token);
    expectApiError(await rejectionOf(client.fetchUserInfo(tokens.access_token, tokens.openid)), 'userinfo', 40001, 'invalid credential, access_token is invalid or not latest');
  });

  it('40003 invalid openid: a token used with another user\'s openid', async () => {
    const tokens = await tokensFor('alice');
    const error = await rejectionOf(clientFor(emulator).fetchUserInfo(tokens.access_token, emulator.openidFor('bob')));
    expectApiError(error, 'userinfo', 40003, 'invalid openid');
  });

  it('40013 invalid appid: an appId WeChat does not know (status 500: our configuration is wrong)', async () => {
    const code = codeFor(emulator, 'alice');
    const error = await rejectionOf(clientFor(emulator, { appId: 'wx0000000000000000' }).exchangeCode(code));
    expectApiError(error, 'access_token', 40013, 'invalid appid', 500);
  });

  it('40029 invalid code: a made-up code', async () => {
    expectApiError(await rejectionOf(clientFor(emulator).exchangeCode('madeUpCode000000')), 'access_token', 40029, 'invalid code');
  });

  it('40029 invalid code: a code older than 5 minutes', async () => {
    const code = codeFor(emulator, 'alice');
    emulator.advanceTime(5 * 60_000);
    expectApiError(await rejectionOf(clientFor(emulator).exchangeCode(code)), 'access_token', 40029, 'invalid code');
  });

  it('40030 invalid refresh_token: a made-up one, or one already rotated away', async () => {
    const client = clientFor(emulator);
    expectApiError(await rejectionOf(client.refreshToken('madeUpRefreshToken')), 'refresh_token', 40030, 'invalid refresh_token');
    const tokens = await tokensFor('bob');
    await client.refreshToken(tokens.refresh_token);
    expectApiError(await rejectionOf(client.refreshToken(tokens.refresh_token)), 'refresh_token', 40030, 'invalid refresh_token');
  });

  it('40125 invalid appsecret: a wrong secret (status 500: our configuration is wrong)', async () => {
    const code = codeFor(emulator, 'alice');
    const error = await rejectionOf(clientFor(emulator, { appSecret: 'wrongSecret0000000000000000000000' }).exchangeCode(code));
    expectApiError(error, 'access_token', 40125, 'invalid appsecret', 500);
  });

  it('40163 code been used: the second exchange of one code (a reloaded callback)', async () => {
    const client = clientFor(emulator);
    const code = codeFor(emulator, 'alice');
    await client.exchangeCode(code);
    expectApiError(await rejectionOf(client.exchangeCode(code)), 'access_token', 40163, 'code been used');
    expect(emulator.calls.access_token).toBe(2);
  });

  it('41008 missing code: the client refuses an empty code itself, without calling WeChat', async () => {
    const client = clientFor(emulator);
    for (const code of ['', undefined, null, 42]) {
      const error = await rejectionOf(client.exchangeCode(code as never));
      expect(error).toMatchObject({ name: 'WechatArgumentError', code: ERR_INVALID_ARGUMENT, status: 400 });
      expect(error.message).toMatch(/"code"/);
    }
    expect(emulator.calls.access_token).toBe(0);
  });

  it('41008 missing code: what WeChat (the emulator) answers when the code is empty', async () => {
    const { appId, appSecret } = emulator.defaultApp;
    const res = await fetch(
      `${emulator.apiBaseUrl}/sns/oauth2/access_token?${new URLSearchParams({ appid: appId, secret: appSecret, code: '', grant_type: 'authorization_code' })}`,
    );
    expect(JSON.parse(await res.text())).toMatchObject({ errcode: WECHAT_ERRCODES.MISSING_CODE, errmsg: expect.stringMatching(/^missing code, rid: /) });
  });

  it('42001 access_token expired: a token 7200 s old', async () => {
    const tokens = await tokensFor('alice');
    emulator.advanceTime(7200_000);
    expectApiError(await rejectionOf(clientFor(emulator).fetchUserInfo(tokens.access_token, tokens.openid)), 'userinfo', 42001, 'access_token expired');
  });

  it('42002 refresh_token timeout: 30 days after authorization, however often it was refreshed', async () => {
    const client = clientFor(emulator);
    const tokens = await tokensFor('alice');
    emulator.advanceTime(20 * 24 * 3600_000);
    const refreshed = await client.refreshToken(tokens.refresh_token);
    emulator.advanceTime(10 * 24 * 3600_000);
    expectApiError(await rejectionOf(client.refreshToken(refreshed.refresh_token)), 'refresh_token', 42002, 'refresh_token timeout');
  });

  it('48001 api unauthorized: a snsapi_base token on /sns/userinfo', async () => {
    const tokens = await tokensFor('alice', 'snsapi_base');
    expectApiError(await rejectionOf(clientFor(emulator).fetchUserInfo(tokens.access_token, tokens.openid)), 'userinfo', 48001, 'api unauthorized');
  });

  it('an errcode from /sns/auth that is not about the token is thrown, not turned into false', async () => {
    // checkAccessToken answers false only for 40001/40003/42001; "busy" past the retries must surface.
    emulator.injectFault('auth', 'busy', 3);
    const error = await rejectionOf(clientFor(emulator).checkAccessToken('anyAccessToken', emulator.openidFor('alice')));
    expectApiError(error, 'auth', -1, 'system error', 503);
  });

  it('bad arguments to every method are refused locally with WechatArgumentError naming the argument', async () => {
    const client = clientFor(emulator);
    const cases: [Promise<unknown>, string][] = [
      [client.refreshToken(''), 'refreshToken'],
      [client.fetchUserInfo('', 'openid'), 'accessToken'],
      [client.fetchUserInfo('token', ''), 'openid'],
      [client.checkAccessToken('', 'openid'), 'accessToken'],
      [client.checkAccessToken('token', undefined as never), 'openid'],
    ];
    for (const [promise, name] of cases) {
      const error = await rejectionOf(promise);
      expect(error).toMatchObject({ code: ERR_INVALID_ARGUMENT });
      expect(error.message).toContain(`"${name}"`);
    }
    expect(emulator.calls).toMatchObject({ refresh_token: 0, userinfo: 0, auth: 0 });
  });
});

describe('response bodies', () => {
  it('are parsed as JSON although WeChat labels them text/plain', async () => {
    const code = codeFor(emulator, 'alice');
    const { appId, appSecret } = emulator.defaultApp;
    const raw = await fetch(`${emulator.apiBaseUrl}/sns/oauth2/access_token?appid=${appId}&secret=${appSecret}&code=bogus&grant_type=authorization_code`);
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect((await clientFor(emulator).exchangeCode(code)).access_token).toBeTruthy();
  });

  it.each(['access_token', 'refresh_token', 'userinfo', 'auth'] as const)(
    "a body that is not JSON (a proxy's error page) from %s → WechatUnavailableError 'invalid_body', 503, not retried",
    async (endpoint) => {
      const client = clientFor(emulator);
      emulator.injectFault(endpoint, 'garbage');
      const calls = {
        access_token: () => client.exchangeCode('someCode000000'),
        refresh_token: () => client.refreshToken('someRefreshToken'),
        userinfo: () => client.fetchUserInfo('someAccessToken', 'someOpenid'),
        auth: () => client.checkAccessToken('someAccessToken', 'someOpenid'),
      };
      const error = await rejectionOf(calls[endpoint]());
      expect(error).toMatchObject({
        name: 'WechatUnavailableError',
        code: ERR_WECHAT_UNAVAILABLE,
        status: 503,
        reason: 'invalid_body',
        endpoint,
      });
      expect(isTransientError(error)).toBe(true);
      expect(emulator.calls[endpoint]).toBe(1);
    },
  );
});
