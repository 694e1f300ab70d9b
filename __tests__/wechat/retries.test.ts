import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY } from '../../lib/wechat/api-client.js';
import { ERR_INVALID_OPTION, ERR_WECHAT_API, ERR_WECHAT_UNAVAILABLE, isTransientError } from '../../lib/errors.js';
import { startWechatEmulator, type EmulatorEndpoint, type WechatEmulator } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { FAST_RETRY, clientFor, codeFor, rejectionOf, thrownBy } from './api-helpers.js';

let emulator: WechatEmulator;
useEmulator((e) => (emulator = e));

const LIMIT = DEFAULT_RETRY.limit;

/** One call of each retried endpoint, with real tokens so that a successful retry really succeeds. */
async function retriedCalls() {
  const setup = clientFor(emulator);
  const tokens = await setup.exchangeCode(codeFor(emulator, 'alice', 'snsapi_userinfo'));
  emulator.resetCalls();
  return (client = clientFor(emulator, { timeoutMs: 100 })) => ({
    refresh_token: () => client.refreshToken(tokens.refresh_token),
    userinfo: () => client.fetchUserInfo(tokens.access_token, tokens.openid),
    auth: () => client.checkAccessToken(tokens.access_token, tokens.openid),
  });
}

const RETRIED = ['refresh_token', 'userinfo', 'auth'] as const;

describe('retries: refresh_token, userinfo and auth retry transient failures with backoff', () => {
  it('defaults to 2 retries (3 attempts)', () => {
    expect(DEFAULT_RETRY).toEqual({ limit: 2, baseDelayMs: 100, maxDelayMs: 1_000 });
  });

  it.each(RETRIED)("%s: 'busy' (errcode -1) once, then success: 2 calls", async (endpoint) => {
    const calls = (await retriedCalls())();
    emulator.injectFault(endpoint, 'busy');
    await expect(calls[endpoint]()).resolves.toBeTruthy();
    expect(emulator.calls[endpoint]).toBe(2);
  });

  it.each(RETRIED)("%s: 'busy' past the limit → WechatApiError errcode -1, 503, transient; limit+1 calls", async (endpoint) => {
    const calls = (await retriedCalls())();
    emulator.injectFault(endpoint, 'busy', 10);
    const error = await rejectionOf(calls[endpoint]());
    expect(error).toMatchObject({
      name: 'WechatApiError',
      code: ERR_WECHAT_API,
      errcode: -1,
      status: 503,
      endpoint,
      errmsg: expect.stringMatching(/^system error, rid: /),
      rid: expect.stringMatching(/^[0-9a-f-]{26}$/),
    });
    expect(isTransientError(error)).toBe(true);
    expect(emulator.calls[endpoint]).toBe(LIMIT + 1);
  });

  it.each([
    ['http500', 'http_status'],
    ['reset', 'network'],
    ['hang', 'timeout'],
  ] as const)("'%s' is retried; past the limit it is WechatUnavailableError '%s' after limit+1 calls", async (fault, reason) => {
    const calls = (await retriedCalls())();
    // refresh_token last: it replaces the access token the other two use.
    for (const endpoint of ['userinfo', 'auth', 'refresh_token'] as const) {
      emulator.injectFault(endpoint, fault, 2);
      await expect(calls[endpoint]()).resolves.toBeTruthy();
      expect(emulator.calls[endpoint]).toBe(3);
    }
    emulator.resetCalls();
    for (const endpoint of RETRIED) {
      emulator.injectFault(endpoint, fault, 10);
      const error = await rejectionOf(calls[endpoint]());
      expect(error).toMatchObject({ name: 'WechatUnavailableError', code: ERR_WECHAT_UNAVAILABLE, status: 503, reason, endpoint });
      if (fault === 'http500') expect(error.httpStatus).toBe(500);
      expect(isTransientError(error)).toBe(true);
      expect(emulator.calls[endpoint]).toBe(LIMIT + 1);
      emulator.clearFaults();
    }
  });

  it('a refresh that timed out is retried and succeeds (the hung attempt never reached WeChat\'s logic)', async () => {
    const calls = (await retriedCalls())();
    emulator.injectFault('refresh_token', 'hang');
    const started = Date.now();
    const refreshed = await calls.refresh_token();
    expect(refreshed.access_token).toBeTruthy();
    expect(emulator.calls.refresh_token).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('a different fault on each attempt still counts against one limit', async () => {
    const calls = (await retriedCalls())();
    emulator.injectFault('userinfo', 'busy');
    emulator.injectFault('userinfo', 'reset');
    emulator.injectFault('userinfo', 'http500');
    expect(await rejectionOf(calls.userinfo())).toMatchObject({ reason: 'http_status' });
    expect(emulator.calls.userinfo).toBe(LIMIT + 1);
  });

  it('retry.limit is configurable: 0 never retries, 4 makes 5 attempts', async () => {
    const make = await retriedCalls();
    emulator.injectFault('userinfo', 'busy', 10);
    await rejectionOf(make(clientFor(emulator, { retry: { ...FAST_RETRY, limit: 0 } })).userinfo());
    expect(emulator.calls.userinfo).toBe(1);
    emulator.resetCalls();
    await rejectionOf(make(clientFor(emulator, { retry: { ...FAST_RETRY, limit: 4 } })).userinfo());
    expect(emulator.calls.userinfo).toBe(5);
  });

  it('retry options left undefined fall back to the defaults, so retries stay bounded', async () => {
    const make = await retriedCalls();
    emulator.injectFault('userinfo', 'busy', 10);
    const client = clientFor(emulator, { retry: { limit: undefined, baseDelayMs: 5, maxDelayMs: undefined } });
    expect(await rejectionOf(make(client).userinfo())).toMatchObject({ errcode: -1 });
    expect(emulator.calls.userinfo).toBe(LIMIT + 1);
  });

  it('backs off between attempts: doubling from baseDelayMs, capped at maxDelayMs', async () => {
    const make = await retriedCalls();
    emulator.injectFault('auth', 'busy', 3);
    const started = Date.now();
    await rejectionOf(make(clientFor(emulator, { retry: { limit: 2, baseDelayMs: 100, maxDelayMs: 150 } })).auth());
    // 100 then min(200, 150) = 150, each plus up to 50% jitter.
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(600);
  });
});

describe('the code exchange and the single-use rule', () => {
  // WeChat's "-1 system busy" means the request was turned away before the code was looked at: the code
  // is still unused, so asking again is safe, and is the only way the user's login can still succeed.
  it("'busy' IS retried: WeChat did not process the code, the retry gets the tokens", async () => {
    const code = codeFor(emulator, 'alice');
    emulator.injectFault('access_token', 'busy');
    const tokens = await clientFor(emulator).exchangeCode(code);
    expect(tokens.openid).toBe(emulator.openidFor('alice'));
    expect(emulator.calls.access_token).toBe(2);
  });

  it("'busy' past the limit: WechatApiError -1 after limit+1 calls", async () => {
    emulator.injectFault('access_token', 'busy', 10);
    expect(await rejectionOf(clientFor(emulator).exchangeCode(codeFor(emulator, 'alice')))).toMatchObject({ errcode: -1, status: 503 });
    expect(emulator.calls.access_token).toBe(LIMIT + 1);
  });

  // A timeout, a reset or a 500 may come after WeChat consumed the code: a retry would turn a slow success
  // into 40163 "code been used" and hide the real failure. One attempt, and a transient error to show.
  it.each([
    ['hang', 'timeout'],
    ['reset', 'network'],
    ['http500', 'http_status'],
  ] as const)("'%s' is NOT retried: exactly 1 call, WechatUnavailableError '%s'", async (fault, reason) => {
    const code = codeFor(emulator, 'alice');
    emulator.injectFault('access_token', fault, 3);
    const error = await rejectionOf(clientFor(emulator, { timeoutMs: 200 }).exchangeCode(code));
    expect(error).toMatchObject({ name: 'WechatUnavailableError', code: ERR_WECHAT_UNAVAILABLE, status: 503, reason, endpoint: 'access_token' });
    expect(emulator.calls.access_token).toBe(1);
  });

  it('the code exchange\'s rule does not leak into the other endpoints of the same client', async () => {
    const client = clientFor(emulator, { timeoutMs: 200 });
    const tokens = await client.exchangeCode(codeFor(emulator, 'alice'));
    emulator.injectFault('access_token', 'http500');
    await rejectionOf(client.exchangeCode(codeFor(emulator, 'alice')));
    emulator.injectFault('auth', 'http500');
    expect(await client.checkAccessToken(tokens.access_token, tokens.openid)).toBe(true);
    expect(emulator.calls.auth).toBe(2);
  });

  it('a refused connection (nothing was sent) is retried even for the code exchange', async () => {
    const dead = await startWechatEmulator();
    const apiBaseUrl = dead.apiBaseUrl;
    await dead.close();
    const started = Date.now();
    const error = await rejectionOf(
      clientFor(emulator, { apiBaseUrl, retry: { limit: 2, baseDelayMs: 50, maxDelayMs: 50 } }).exchangeCode('someCode000000'),
    );
    expect(error).toMatchObject({ name: 'WechatUnavailableError', reason: 'network' });
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    // Two backoff delays of at least 50 ms each prove two retries happened.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('timeouts: every call has one', () => {
  const ALL: EmulatorEndpoint[] = ['access_token', 'refresh_token', 'userinfo', 'auth'];

  it.each(ALL)('%s: a hang ends as WechatUnavailableError "timeout" after timeoutMs', async (endpoint) => {
    const client = clientFor(emulator, { timeoutMs: 150, retry: { limit: 0 } });
    emulator.injectFault(endpoint, 'hang');
    const calls = {
      access_token: () => client.exchangeCode('someCode000000'),
      refresh_token: () => client.refreshToken('someRefreshToken'),
      userinfo: () => client.fetchUserInfo('someAccessToken', 'someOpenid'),
      auth: () => client.checkAccessToken('someAccessToken', 'someOpenid'),
    } as Record<string, () => Promise<unknown>>;
    const started = Date.now();
    const error = await rejectionOf(calls[endpoint]!());
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ name: 'WechatUnavailableError', code: ERR_WECHAT_UNAVAILABLE, reason: 'timeout', endpoint, status: 503 });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('timeoutMs applies to each attempt: a retried call may take (limit+1) × timeoutMs plus backoff', async () => {
    const client = clientFor(emulator, { timeoutMs: 100 });
    emulator.injectFault('auth', 'hang', 3);
    const started = Date.now();
    expect(await rejectionOf(client.checkAccessToken('someAccessToken', 'someOpenid'))).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 100 - 10);
    expect(emulator.calls.auth).toBe(3);
  });
});

describe('client options are checked when the client is created', () => {
  it.each([
    [{ appId: '' }, 'appId'],
    [{ appSecret: undefined }, 'appSecret'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ retry: { limit: -1 } }, 'retry.limit'],
    [{ retry: { limit: 1.5 } }, 'retry.limit'],
    [{ retry: { baseDelayMs: -5 } }, 'retry.baseDelayMs'],
    [{ retry: { maxDelayMs: Number.POSITIVE_INFINITY } }, 'retry.maxDelayMs'],
  ])('%j is refused with a message naming "%s"', (override, name) => {
    const error = thrownBy(() => clientFor(emulator, override as never));
    expect(error).toMatchObject({ name: 'WechatConfigError', code: ERR_INVALID_OPTION });
    expect(error.message).toContain(`"${name}"`);
  });
});
