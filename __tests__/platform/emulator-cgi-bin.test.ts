import { describe, expect, it } from '@jest/globals';
import { createTestClock, type WechatEmulator } from '../../lib/testing/index.js';
import { useEmulator } from '../helpers/emulator.js';

let emulator: WechatEmulator;
useEmulator((e) => (emulator = e), { clock: createTestClock() });

const MIN = 60_000;
const app = () => emulator.defaultApp;
async function stable(force = false, body: Record<string, unknown> = {}) {
  const res = await fetch(`${emulator.url}/cgi-bin/stable_token`, {
    method: 'POST',
    body: JSON.stringify({ grant_type: 'client_credential', appid: app().appId, secret: app().appSecret, force_refresh: force, ...body }),
  });
  return (await res.json()) as { access_token?: string; expires_in?: number; errcode?: number };
}
async function plain() {
  const q = new URLSearchParams({ grant_type: 'client_credential', appid: app().appId, secret: app().appSecret });
  return ((await (await fetch(`${emulator.url}/cgi-bin/token?${q}`)).json()) as { access_token: string }).access_token;
}
async function ticketErrcode(token: string) {
  const body = (await (await fetch(`${emulator.url}/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`)).json()) as { errcode: number; ticket?: string };
  return body.errcode;
}

describe("the emulator's /cgi-bin/: WeChat's rules for the app access token", () => {
  it('stable_token: the same token while it lives (expires_in counting down), a new one after it expires', async () => {
    emulator.advanceTime(3 * 3600_000);
    const first = await stable();
    expect(first.expires_in).toBe(7200);
    emulator.advanceTime(10 * MIN);
    const again = await stable();
    expect(again.access_token).toBe(first.access_token);
    expect(again.expires_in).toBe(7200 - 600);
    emulator.advanceTime(2 * 3600_000);
    expect(await ticketErrcode(first.access_token!)).toBe(42001);
    expect((await stable()).access_token).not.toBe(first.access_token);
  });

  it('/cgi-bin/token: each call replaces the previous one, which dies 5 minutes later; a stable token never', async () => {
    const s = (await stable()).access_token!;
    const a = await plain();
    const b = await plain();
    expect(await ticketErrcode(a)).toBe(0);
    emulator.advanceTime(5 * MIN);
    expect(await ticketErrcode(a)).toBe(40001);
    expect(await ticketErrcode(b)).toBe(0);
    expect(await ticketErrcode(s)).toBe(0);
  });

  it('force_refresh: a new token (the old one works 5 more minutes), 30 s apart, 20 a day', async () => {
    emulator.advanceTime(24 * 3600_000);
    const old = (await stable()).access_token!;
    const forced = await stable(true);
    expect(forced.access_token).not.toBe(old);
    expect(await ticketErrcode(old)).toBe(0);
    emulator.advanceTime(5 * MIN);
    expect(await ticketErrcode(old)).toBe(40001);
    expect((await stable(true)).access_token).toBeDefined();
    emulator.advanceTime(10_000);
    expect((await stable(true)).errcode).toBe(45011);
    for (let i = 0; i < 18; i++) {
      emulator.advanceTime(31_000);
      expect((await stable(true)).access_token).toBeDefined();
    }
    emulator.advanceTime(31_000);
    expect((await stable(true)).errcode).toBe(45009);
  });

  it('killStableToken: 40001 from then on; with stillHandedOut the normal call still returns it', async () => {
    emulator.advanceTime(24 * 3600_000);
    const token = (await stable()).access_token!;
    expect(emulator.platform.killStableToken({ stillHandedOut: true })).toBe(token);
    expect(await ticketErrcode(token)).toBe(40001);
    expect((await stable()).access_token).toBe(token);
    emulator.platform.killStableToken();
    expect((await stable()).access_token).not.toBe(token);
  });

  it('refuses wrong credentials, a GET, a wrong type, and faults like the other endpoints', async () => {
    expect((await stable(false, { secret: 'nope' })).errcode).toBe(40125);
    expect((await stable(false, { grant_type: 'authorization_code' })).errcode).toBe(40002);
    expect((await stable(false, { appid: emulator.websiteApp!.appId, secret: emulator.websiteApp!.appSecret })).errcode).toBe(40013);
    expect(((await (await fetch(`${emulator.url}/cgi-bin/stable_token`)).json()) as { errcode: number }).errcode).toBe(43002);
    expect(await ticketErrcode('made-up')).toBe(40014);
    const token = (await stable()).access_token!;
    const wrongType = (await (await fetch(`${emulator.url}/cgi-bin/ticket/getticket?access_token=${token}&type=wx_card`)).json()) as { errcode: number };
    expect(wrongType.errcode).toBe(40097);
    emulator.injectFault('getticket', 'busy');
    expect(await ticketErrcode(token)).toBe(-1);
    emulator.injectFault('stable_token', 'http502');
    expect((await fetch(`${emulator.url}/cgi-bin/stable_token`, { method: 'POST', body: '{}' })).status).toBe(502);
    expect(emulator.calls).toMatchObject({ stable_token: 6, getticket: 3 });
  });
});
