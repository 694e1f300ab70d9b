import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildAuthorizeUrl, createWechatApiClient } from '../../lib/wechat/api-client.js';
import { ERR_INVALID_ARGUMENT } from '../../lib/errors.js';
import { startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { clientFor, thrownBy } from './api-helpers.js';

const APP_ID = 'wx5e0c1a7d93b2f4c6';
const wechat = createWechatApiClient({ appId: APP_ID, appSecret: 'not-used-for-authorize-urls' });
const CALLBACK = 'https://example.com/auth/wechat/callback';
const ENCODED_CALLBACK = 'https%3A%2F%2Fexample.com%2Fauth%2Fwechat%2Fcallback';
const AUTHORIZE = 'https://open.weixin.qq.com/connect/oauth2/authorize';

describe('buildAuthorizeUrl: the exact string WeChat pattern-matches', () => {
  it('snsapi_base: appid, redirect_uri, response_type, scope, state, connect_redirect=1, #wechat_redirect', () => {
    expect(wechat.buildAuthorizeUrl({ redirectUri: CALLBACK, scope: 'snsapi_base', state: 'abc123' })).toBe(
      `${AUTHORIZE}?appid=${APP_ID}&redirect_uri=${ENCODED_CALLBACK}&response_type=code&scope=snsapi_base&state=abc123&connect_redirect=1#wechat_redirect`,
    );
  });

  it('snsapi_userinfo: the same order, only the scope differs', () => {
    expect(wechat.buildAuthorizeUrl({ redirectUri: CALLBACK, scope: 'snsapi_userinfo', state: 'XyZ789' })).toBe(
      `${AUTHORIZE}?appid=${APP_ID}&redirect_uri=${ENCODED_CALLBACK}&response_type=code&scope=snsapi_userinfo&state=XyZ789&connect_redirect=1#wechat_redirect`,
    );
  });

  it('percent-encodes the whole redirect_uri, its query string and unicode included', () => {
    const url = wechat.buildAuthorizeUrl({
      redirectUri: 'https://example.com/auth/wechat/callback?next=/个人中心&lang=zh',
      scope: 'snsapi_base',
      state: 's1',
    });
    expect(url).toBe(
      `${AUTHORIZE}?appid=${APP_ID}` +
        '&redirect_uri=https%3A%2F%2Fexample.com%2Fauth%2Fwechat%2Fcallback%3Fnext%3D%2F%E4%B8%AA%E4%BA%BA%E4%B8%AD%E5%BF%83%26lang%3Dzh' +
        '&response_type=code&scope=snsapi_base&state=s1&connect_redirect=1#wechat_redirect',
    );
  });

  it('forcePopup: true adds &forcePopup=true after state, before connect_redirect', () => {
    expect(wechat.buildAuthorizeUrl({ redirectUri: CALLBACK, scope: 'snsapi_userinfo', state: 'abc', forcePopup: true })).toBe(
      `${AUTHORIZE}?appid=${APP_ID}&redirect_uri=${ENCODED_CALLBACK}&response_type=code&scope=snsapi_userinfo&state=abc&forcePopup=true&connect_redirect=1#wechat_redirect`,
    );
  });

  it('connectRedirect: false leaves connect_redirect out; #wechat_redirect stays', () => {
    expect(wechat.buildAuthorizeUrl({ redirectUri: CALLBACK, scope: 'snsapi_base', state: 'abc', connectRedirect: false })).toBe(
      `${AUTHORIZE}?appid=${APP_ID}&redirect_uri=${ENCODED_CALLBACK}&response_type=code&scope=snsapi_base&state=abc#wechat_redirect`,
    );
  });

  it('uses the configured authorizeBaseUrl, trailing slash ignored; the exported function builds the same string', () => {
    const custom = createWechatApiClient({ appId: APP_ID, appSecret: 'x', authorizeBaseUrl: 'http://127.0.0.1:9999/' });
    const params = { redirectUri: CALLBACK, scope: 'snsapi_base', state: 'abc' } as const;
    expect(custom.buildAuthorizeUrl(params)).toBe(
      `http://127.0.0.1:9999/connect/oauth2/authorize?appid=${APP_ID}&redirect_uri=${ENCODED_CALLBACK}&response_type=code&scope=snsapi_base&state=abc&connect_redirect=1#wechat_redirect`,
    );
    expect(buildAuthorizeUrl('https://open.weixin.qq.com', APP_ID, params)).toBe(wechat.buildAuthorizeUrl(params));
  });
});

describe('buildAuthorizeUrl: arguments WeChat would reject are refused before a browser sees them', () => {
  const build = (params: Record<string, unknown>) => () =>
    wechat.buildAuthorizeUrl({ redirectUri: CALLBACK, scope: 'snsapi_base', state: 'abc', ...params } as never);

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['with "-" (base64url)', 'abc-def'],
    ['with "_" (base64url)', 'abc_def'],
    ['with a space', 'abc def'],
    ['non-ASCII', 'état'],
    ['with a trailing newline', 'abc\n'],
  ])('rejects a state %s with WechatArgumentError', (_label, state) => {
    const error = thrownBy(build({ state }));
    expect(error).toMatchObject({ name: 'WechatArgumentError', code: ERR_INVALID_ARGUMENT, status: 400 });
    expect(error.message).toMatch(/"state"/);
  });

  it('rejects a missing state (a JavaScript caller) instead of sending the word "undefined"', () => {
    expect(thrownBy(build({ state: undefined }))).toMatchObject({ code: ERR_INVALID_ARGUMENT });
    expect(thrownBy(build({ state: 12345 }))).toMatchObject({ code: ERR_INVALID_ARGUMENT });
  });

  it('accepts 128 letters and digits, the documented maximum', () => {
    const state = 'aZ09'.repeat(32);
    expect(state).toHaveLength(128);
    expect(state).toMatch(/^[a-zA-Z0-9]{1,128}$/);
    expect(build({ state })()).toContain(`&state=${state}&`);
  });

  it('rejects an unknown scope and a relative or non-http redirectUri', () => {
    expect(thrownBy(build({ scope: 'snsapi_login' })).message).toMatch(/"scope"/);
    expect(thrownBy(build({ redirectUri: '/auth/wechat/callback' })).message).toMatch(/"redirectUri"/);
    expect(thrownBy(build({ redirectUri: 'javascript:alert(1)' })).code).toBe(ERR_INVALID_ARGUMENT);
  });
});

describe('the emulator accepts what buildAuthorizeUrl builds', () => {
  let emulator: WechatEmulator;
  beforeAll(async () => {
    emulator = await startWechatEmulator();
  });
  afterAll(() => emulator.close());

  it.each(['snsapi_base', 'snsapi_userinfo'] as const)('%s: calls back with a code and the same state', (scope) => {
    const url = clientFor(emulator).buildAuthorizeUrl({ redirectUri: 'http://localhost:3000/auth/wechat/callback', scope, state: 'Echo42' });
    const callback = new URL(emulator.authorize(url, { user: 'alice' }));
    expect(callback.origin + callback.pathname).toBe('http://localhost:3000/auth/wechat/callback');
    expect(callback.searchParams.get('code')).toMatch(/^\w{16,}$/);
    expect(callback.searchParams.get('state')).toBe('Echo42');
  });

  it('keeps the redirect_uri query string (unicode included) and echoes a 128-character state', () => {
    const state = 'aZ09'.repeat(32);
    const url = clientFor(emulator).buildAuthorizeUrl({
      redirectUri: 'http://localhost:3000/auth/wechat/callback?next=/个人中心',
      scope: 'snsapi_userinfo',
      state,
      forcePopup: true,
    });
    const callback = new URL(emulator.authorize(url, { user: 'bob' }));
    expect(callback.searchParams.get('next')).toBe('/个人中心');
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(state);
  });

  it('accepts the URL without connect_redirect too', () => {
    const url = clientFor(emulator).buildAuthorizeUrl({
      redirectUri: 'http://localhost:3000/cb',
      scope: 'snsapi_base',
      state: 'abc',
      connectRedirect: false,
    });
    expect(new URL(emulator.authorize(url, { user: 'alice' })).searchParams.get('state')).toBe('abc');
  });
});
