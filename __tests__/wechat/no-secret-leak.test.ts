import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import createDebug from 'debug';
import { inspect, format } from 'node:util';
import { REDACTED, redact, redactUrl } from '../../lib/redact.js';
import { startWechatEmulator, type EmulatorFault, type WechatEmulator } from '../../lib/testing/index.js';
import { clientFor, codeFor, rejectionOf } from './api-helpers.js';

let emulator: WechatEmulator;
const logLines: string[] = [];
let previousNamespaces = '';
let previousLog: (...args: unknown[]) => unknown;

beforeAll(async () => {
  emulator = await startWechatEmulator();
  previousNamespaces = createDebug.disable();
  previousLog = createDebug.log;
  createDebug.log = (...args: unknown[]) => void logLines.push(format(...args));
  createDebug.enable('wechat-official-login:*');
});
afterAll(async () => {
  createDebug.log = previousLog;
  createDebug.enable(previousNamespaces);
  await emulator.close();
});
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
  logLines.length = 0;
});

type Endpoint = 'access_token' | 'refresh_token' | 'userinfo' | 'auth';

/** A real grant, so every secret in play is one WeChat (the emulator) would accept. */
async function freshSecrets() {
  // The grant is made with a patient client (a loaded CI machine must not time it out); the faulted calls use
  // a short timeout so that 'hang' ends quickly.
  const tokens = await clientFor(emulator, { timeoutMs: 5_000 }).exchangeCode(codeFor(emulator, 'alice', 'snsapi_userinfo'));
  const client = clientFor(emulator, { timeoutMs: 300 });
  const used = codeFor(emulator, 'alice', 'snsapi_userinfo');
  await client.exchangeCode(used).catch(() => undefined); // a used code: its value must not leak either
  const code = codeFor(emulator, 'alice', 'snsapi_userinfo');
  const secrets = [emulator.defaultApp.appSecret, used, code, tokens.access_token, tokens.refresh_token];
  const call: Record<Endpoint, () => Promise<unknown>> = {
    access_token: () => client.exchangeCode(code),
    refresh_token: () => client.refreshToken(tokens.refresh_token),
    userinfo: () => client.fetchUserInfo(tokens.access_token, tokens.openid),
    auth: () => client.checkAccessToken(tokens.access_token, tokens.openid),
  };
  return { client, tokens, used, secrets, call };
}

/** Every way an error gets printed: by a logger, by Node's console, by a JSON error reporter. */
function renderings(error: any): string[] {
  return [
    String(error?.message),
    String(error?.stack),
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    String(error?.cause),
    ...logLines,
  ];
}

function expectNoSecret(error: unknown, secrets: string[]): void {
  for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(20);
  for (const text of renderings(error)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

const ENDPOINTS: Endpoint[] = ['access_token', 'refresh_token', 'userinfo', 'auth'];
const FAULTS: [EmulatorFault, string][] = [
  ['busy', 'WechatApiError'],
  ['hang', 'WechatUnavailableError'],
  ['reset', 'WechatUnavailableError'],
  ['http500', 'WechatUnavailableError'],
  ['garbage', 'WechatUnavailableError'],
];

describe('no secret in errors or debug logs', () => {
  describe.each(FAULTS)("'%s'", (fault, name) => {
    it.each(ENDPOINTS)('%s: neither appSecret, code nor tokens appear in the error or the log', async (endpoint) => {
      const { secrets, call } = await freshSecrets();
      logLines.length = 0;
      emulator.injectFault(endpoint, fault, 10);
      const error = await rejectionOf(call[endpoint]());
      expect(error.name).toBe(name);
      expectNoSecret(error, secrets);
      // The log did say something about the failure: the check above ran against real lines.
      expect(logLines.join('\n')).toContain(endpoint);
    });
  });

  it.each([
    ['40163 code been used', async (s: Awaited<ReturnType<typeof freshSecrets>>) => s.client.exchangeCode(s.used)],
    ['40125 invalid appsecret', async (s: Awaited<ReturnType<typeof freshSecrets>>) =>
      clientFor(emulator, { appSecret: 'wrongSecret0000000000000000000000' }).exchangeCode(codeFor(emulator, 'bob'))],
    ['40030 invalid refresh_token', async (s: Awaited<ReturnType<typeof freshSecrets>>) => {
      await s.client.refreshToken(s.tokens.refresh_token);
      return s.client.refreshToken(s.tokens.refresh_token);
    }],
    ['42001 access_token expired', async (s: Awaited<ReturnType<typeof freshSecrets>>) => {
      emulator.advanceTime(7200_000);
      return s.client.fetchUserInfo(s.tokens.access_token, s.tokens.openid);
    }],
    ['40003 invalid openid', async (s: Awaited<ReturnType<typeof freshSecrets>>) =>
      s.client.fetchUserInfo(s.tokens.access_token, emulator.openidFor('bob'))],
  ])('WeChat error %s: nothing secret in the error or the log', async (_label, failing) => {
    const s = await freshSecrets();
    logLines.length = 0;
    const error = await rejectionOf(failing(s));
    expect(error.name).toBe('WechatApiError');
    expectNoSecret(error, [...s.secrets, 'wrongSecret0000000000000000000000']);
    expect(logLines.length).toBeGreaterThan(0);
  });

  it('successful calls log timings, not tokens', async () => {
    const s = await freshSecrets();
    await s.call.refresh_token();
    expect(logLines.some((line) => line.includes('refresh_token ok'))).toBe(true);
    for (const line of logLines) for (const secret of s.secrets) expect(line).not.toContain(secret);
  });

  it('a refused connection (the message of which names the host) carries no secret either', async () => {
    const dead = await startWechatEmulator();
    const apiBaseUrl = dead.apiBaseUrl;
    await dead.close();
    const code = codeFor(emulator, 'alice');
    const error = await rejectionOf(clientFor(emulator, { apiBaseUrl, retry: { limit: 0 } }).exchangeCode(code));
    expect(error).toMatchObject({ reason: 'network' });
    expectNoSecret(error, [emulator.defaultApp.appSecret, code]);
  });
});

describe('redactUrl', () => {
  it('blanks secret, appsecret, code, access_token and refresh_token query values, keeps the rest', () => {
    expect(
      redactUrl('https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx1&secret=S3CR3T&code=C0DE&grant_type=authorization_code'),
    ).toBe(`https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx1&secret=${REDACTED}&code=${REDACTED}&grant_type=authorization_code`);
    expect(redactUrl('/sns/userinfo?access_token=AT&openid=o1&lang=zh_CN')).toBe(`/sns/userinfo?access_token=${REDACTED}&openid=o1&lang=zh_CN`);
    expect(redactUrl('/x?refresh_token=RT&appsecret=AS')).toBe(`/x?refresh_token=${REDACTED}&appsecret=${REDACTED}`);
  });

  it('is case-insensitive and stops at the fragment', () => {
    expect(redactUrl('/cb?CODE=abc#wechat_redirect')).toBe(`/cb?CODE=${REDACTED}#wechat_redirect`);
  });

  it('redacts every occurrence, inside longer text such as an error message', () => {
    expect(redactUrl('GET /a?code=one failed, then /b?x=1&code=two&y=2')).toBe(
      `GET /a?code=${REDACTED} failed, then /b?x=1&code=${REDACTED}&y=2`,
    );
  });

  it('redacts at the start of every line of a multi-line text', () => {
    expect(redactUrl('first\ncode=C0DE&state=abc')).toBe(`first\ncode=${REDACTED}&state=abc`);
  });

  it('blanks token and secret fields of JSON text (a token answer printed whole), not our error codes', () => {
    expect(redactUrl('{"access_token":"AT\\"x","expires_in":7200,"refresh_token" : "RT","openid":"o1"}')).toBe(
      `{"access_token":"${REDACTED}","expires_in":7200,"refresh_token" : "${REDACTED}","openid":"o1"}`,
    );
    const ours = '{"code":"ERR_WECHAT_API","errcode":40029}';
    expect(redactUrl(ours)).toBe(ours);
  });

  it('redacts a bare query string (no leading "?"), as URLSearchParams#toString gives it', () => {
    expect(redactUrl('code=C0DE&state=abc')).toBe(`code=${REDACTED}&state=abc`);
    expect(redactUrl('access_token=AT&openid=o1')).toBe(`access_token=${REDACTED}&openid=o1`);
  });

  it('leaves look-alike names alone: errcode, state, openid, code_challenge', () => {
    const text = '/x?errcode=40029&state=code&openid=o1&code_challenge=abc&mycode=1';
    expect(redactUrl(text)).toBe(text);
  });
});

describe('redact', () => {
  it('also blanks each given secret wherever it appears', () => {
    expect(redact('WeChat said: invalid appsecret 3f9a0c2e7b51 for token tok_123456', ['3f9a0c2e7b51', 'tok_123456'])).toBe(
      `WeChat said: invalid appsecret ${REDACTED} for token ${REDACTED}`,
    );
  });

  it('treats secrets as text, not as regular expressions', () => {
    expect(redact('a.b+c(d)*e and aXb+c(d)*e', ['a.b+c(d)*e'])).toBe(`${REDACTED} and aXb+c(d)*e`);
  });

  it('ignores undefined, empty and very short values (they would shred ordinary words)', () => {
    expect(redact('the code is ok', [undefined, '', 'ok', 'the'])).toBe('the code is ok');
  });

  it('applies redactUrl first', () => {
    expect(redact('/sns/auth?access_token=AT&openid=o1')).toBe(`/sns/auth?access_token=${REDACTED}&openid=o1`);
  });
});
