import { describe, expect, it } from '@jest/globals';
import { startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { authorizeUrl, checkToken, codeFor, exchangeCode, login } from './emulator-helpers.js';

let wechat: WechatEmulator;
useEmulator((e) => (wechat = e));

const tokenUrl = () =>
  `${wechat.apiBaseUrl}/sns/oauth2/access_token?appid=${wechat.defaultApp.appId}&secret=${wechat.defaultApp.appSecret}&code=x&grant_type=authorization_code`;

describe('injected faults', () => {
  it("'busy' answers { errcode: -1, errmsg: 'system error' } with HTTP 200, then the endpoint recovers", async () => {
    wechat.injectFault('access_token', 'busy');
    const code = await codeFor(wechat, 'alice');
    const busy = await exchangeCode(wechat, code);
    expect(busy.status).toBe(200);
    expect(busy.body.errcode).toBe(-1);
    expect(busy.body.errmsg).toMatch(/^system error, rid: /);
    // The faulted call did not consume the code.
    expect((await exchangeCode(wechat, code)).body.access_token).toBeDefined();
  });

  it("'http500' answers HTTP 500", async () => {
    wechat.injectFault('access_token', 'http500');
    expect((await fetch(tokenUrl())).status).toBe(500);
  });

  it("'garbage' answers HTTP 200 with a body that is not JSON", async () => {
    wechat.injectFault('access_token', 'garbage');
    const res = await fetch(tokenUrl());
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("'hang' never answers (the client has to time out)", async () => {
    wechat.injectFault('access_token', 'hang');
    const started = Date.now();
    await expect(fetch(tokenUrl(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("'reset' destroys the socket, so fetch rejects", async () => {
    wechat.injectFault('userinfo', 'reset');
    await expect(fetch(`${wechat.apiBaseUrl}/sns/userinfo?access_token=a&openid=b`)).rejects.toThrow(/fetch failed/);
  });

  it('applies to the next `times` calls of that endpoint only, in the order injected', async () => {
    wechat.injectFault('access_token', 'busy', 2);
    wechat.injectFault('access_token', 'http500');
    const tokens = await login(wechat, 'bob', 'snsapi_base');
    expect(tokens.errcode).toBe(-1);
    expect((await exchangeCode(wechat, 'x')).body.errcode).toBe(-1);
    expect((await fetch(tokenUrl())).status).toBe(500);
    expect((await exchangeCode(wechat, 'x')).body.errcode).toBe(40029);
  });

  it("'*' hits whichever endpoint is called next", async () => {
    wechat.injectFault('*', 'busy');
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(-1);
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(40001);
  });

  it('faults the authorize page too', async () => {
    wechat.injectFault('authorize', 'http500');
    expect((await fetch(authorizeUrl(wechat), { redirect: 'manual' })).status).toBe(500);
  });

  it('clearFaults() drops pending faults', async () => {
    wechat.injectFault('auth', 'busy', 5);
    wechat.clearFaults();
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(40001);
  });

  it('rejects unknown endpoints, faults and times with a TypeError naming the argument', () => {
    expect(() => wechat.injectFault('sns_token' as never, 'busy')).toThrow(/"endpoint"/);
    expect(() => wechat.injectFault('auth', 'teapot' as never)).toThrow(/"fault"/);
    expect(() => wechat.injectFault('auth', 'busy', 0)).toThrow(/"times"/);
  });
});

describe('call counters', () => {
  it('count every call per endpoint, faulted ones included, and reset to zero', async () => {
    wechat.injectFault('access_token', 'busy');
    const tokens = await login(wechat, 'alice');
    expect(tokens.errcode).toBe(-1);
    const live = await login(wechat, 'alice');
    await checkToken(wechat, live.access_token!, live.openid!);
    expect(wechat.calls).toEqual({ authorize: 2, qrconnect: 0, access_token: 2, refresh_token: 0, userinfo: 0, auth: 1, stable_token: 0, token: 0, getticket: 0 });
    const counters = wechat.calls;
    wechat.resetCalls();
    expect(counters).toEqual({ authorize: 0, qrconnect: 0, access_token: 0, refresh_token: 0, userinfo: 0, auth: 0, stable_token: 0, token: 0, getticket: 0 });
  });
});

describe('HTTP controls for other processes', () => {
  const control = (path: string, body?: unknown) =>
    fetch(`${wechat.url}/__emulator${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

  it('GET /__emulator/calls returns the counters; POST /__emulator/calls/reset zeroes them', async () => {
    await checkToken(wechat, 'a', 'b');
    expect(await (await control('/calls')).json()).toEqual({ authorize: 0, qrconnect: 0, access_token: 0, refresh_token: 0, userinfo: 0, auth: 1, stable_token: 0, token: 0, getticket: 0 });
    expect((await control('/calls/reset', {})).status).toBe(200);
    expect(wechat.calls.auth).toBe(0);
  });

  it('POST /__emulator/faults injects a fault', async () => {
    expect((await control('/faults', { endpoint: 'auth', fault: 'busy', times: 2 })).status).toBe(200);
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(-1);
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(-1);
    expect((await checkToken(wechat, 'a', 'b')).body.errcode).toBe(40001);
    const bad = await control('/faults', { endpoint: 'auth', fault: 'nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/"fault"/);
  });

  it('GET /__emulator/clock and POST /__emulator/clock/advance read and move the clock', async () => {
    const before = wechat.clock.now();
    expect(await (await control('/clock')).json()).toEqual({ now: before });
    const tokens = await login(wechat, 'bob', 'snsapi_base');
    expect(await (await control('/clock/advance', { ms: 7200 * 1000 })).json()).toEqual({ now: before + 7200 * 1000 });
    expect((await checkToken(wechat, tokens.access_token!, tokens.openid!)).body.errcode).toBe(42001);
    expect((await control('/clock/advance', { ms: -1 })).status).toBe(400);
  });

  it('answers 404 for an unknown control', async () => {
    expect((await control('/nothing')).status).toBe(404);
  });
});

describe('close()', () => {
  it('ends a hanging request at once and frees the port', async () => {
    const doomed = await startWechatEmulator();
    doomed.injectFault('*', 'hang');
    const pending = fetch(`${doomed.apiBaseUrl}/sns/auth?access_token=a&openid=b`).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await doomed.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
    await expect(fetch(doomed.url)).rejects.toThrow();
    await doomed.close(); // a second close is harmless
  });
});
