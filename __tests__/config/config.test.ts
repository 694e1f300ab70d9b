import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createWechatLogin, type WechatLoginOptions } from '../../lib/index.js';

const redis = new Redis({ lazyConnect: true });
const valid: WechatLoginOptions = {
  appId: 'wx0123456789abcdef',
  appSecret: '0123456789abcdef0123456789abcdef',
  redis,
  session: { secret: 'a-session-secret-of-thirty-two-chars!' },
  publicUrl: 'https://example.com',
};

function error(overrides: Partial<WechatLoginOptions> | Record<string, unknown>): Error {
  try {
    createWechatLogin({ ...valid, ...overrides } as WechatLoginOptions, { warn: () => undefined });
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a configuration error');
}

describe('createWechatLogin validates its options once, naming the option and the fix', () => {
  it('accepts a valid configuration', () => {
    expect(() => createWechatLogin(valid, { warn: () => undefined })).not.toThrow();
  });

  it.each([
    [{ appId: undefined }, /"appId" is required/],
    [{ appId: 'gh_123' }, /"appId" must look like "wx" followed by 16/],
    [{ appSecret: '' }, /"appSecret" is required: .*environment variable/],
    [{ scope: 'snsapi_login' }, /"scope" must be "snsapi_base" or "snsapi_userinfo"/],
    [{ state: 'a-b' }, /"state" must be at most 96 letters or digits/],
    [{ state: 'x'.repeat(97) }, /"state" must be at most 96/],
    [{ redis: undefined }, /"redis" is required/],
    [{ redis: 'http://localhost:6379' }, /"redis" must be an ioredis client or a URL starting with redis:\/\//],
    [{ redis: {} }, /"redis" must be an ioredis client/],
    [{ session: undefined }, /"session" is required: \{ secret: process\.env\.SESSION_SECRET \}/],
    [{ session: { secret: '' } }, /"session\.secret" is required/],
    [{ publicUrl: 'example.com' }, /"publicUrl" must be the origin WeChat calls back/],
    [{ publicUrl: 'https://example.com/app' }, /"publicUrl" must be an origin only/],
    [{ routes: { prefix: 'auth' } }, /"routes\.prefix" must be a path starting with "\/"/],
    [{ lang: 'fr' }, /"lang" must be one of zh_CN, zh_TW, en/],
    [{ apiBaseUrl: 'ftp://x' }, /"apiBaseUrl" must be an http\(s\) URL/],
    [{ allowedReturnHosts: ['https://evil.com'] }, /"allowedReturnHosts" must be an array of host names/],
    [{ onLogin: 'yes' }, /"onLogin" must be a function/],
    [{ timeoutMs: 0 }, /"timeoutMs" must be a positive number/],
    [{ keyPrefix: 'a{b}' }, /"keyPrefix" must be 1-32 characters/],
  ])('rejects %j', (overrides, message) => {
    const e = error(overrides);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error & { code: string }).code).toBe('ERR_WECHAT_INVALID_OPTION');
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(valid.appSecret);
  });

  it('warns about risky but allowed values', () => {
    const warnings: string[] = [];
    const { publicUrl: _omit, ...rest } = valid;
    createWechatLogin({ ...rest, session: { secret: 'short' } }, { warn: (m) => warnings.push(m) });
    expect(warnings.some((w) => w.includes('"publicUrl" is not set'))).toBe(true);
    expect(warnings.some((w) => w.includes('"session.secret" is shorter than 32'))).toBe(true);
  });

  it('rejects a bad guard scope at route definition time', () => {
    const wechat = createWechatLogin(valid, { warn: () => undefined });
    expect(() => wechat.requireWechatUser({ scope: 'snsapi_login' as 'snsapi_base' })).toThrow(/"scope" must be/);
  });
});
