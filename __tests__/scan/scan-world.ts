import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { ticketIdOfValue } from '../../lib/scan/ticket-token.js';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { DESKTOP_UA, WECHAT_UA, buildApp, loginOptions, pathOf, startWorld, type Agent, type LoginWorld } from '../helpers/login-app.js';

export { DESKTOP_UA, WECHAT_UA };
export type { Agent };
export const ORIGIN = 'http://localhost:3000';

/** Two app instances (two processes' worth of createWechatLogin) on one Redis and one emulator. */
export interface ScanWorld {
  world: LoginWorld;
  desktopApp: Express;
  phoneApp: Express;
  wechats: WechatLogin[];
}

export function useScanWorld(
  assign: (world: ScanWorld) => void,
  options: Partial<WechatLoginOptions> = {},
  routes?: (app: Express, wechat: WechatLogin) => void,
): void {
  let scan: ScanWorld | undefined;
  beforeAll(async () => {
    const world = await startWorld();
    const make = () => createWechatLogin(loginOptions(world, options), { warn: () => undefined });
    const wechats = [make(), make()];
    const app = (wechat: WechatLogin) => buildApp(wechat, routes && ((a) => routes(a, wechat)));
    scan = { world, wechats, desktopApp: app(wechats[0]!), phoneApp: app(wechats[1]!) };
    assign(scan);
  });
  afterEach(() => {
    scan?.world.emulator.clearFaults();
    scan?.world.emulator.resetCalls();
  });
  afterAll(async () => {
    for (const wechat of scan?.wechats ?? []) await wechat.close();
    await scan?.world.stop();
  });
}

/** A desktop browser: desktop user-agent, HTML first. */
export function desktopAgent(app: Express): Agent {
  return request.agent(app);
}

export function asDesktop<T extends request.Test>(test: T): T {
  // A desktop browser set to English (the pages' language follows Accept-Language); WeChat sends zh-CN.
  return test.set('User-Agent', DESKTOP_UA).set('Accept', 'text/html,application/xhtml+xml').set('Accept-Language', 'en-US,en;q=0.9');
}

export function asPhone<T extends request.Test>(test: T): T {
  return test.set('User-Agent', WECHAT_UA).set('Accept', 'text/html').set('Accept-Language', 'zh-CN');
}

export interface ShownCode {
  /** The sealed ticket: what the QR code's URL and the desktop's links carry. */
  ticketId: string;
  /** The key of the record a phone's open makes (`…:scan:{recordId}`). */
  recordId: string;
  /** The page's sign-in link (what its script opens on "confirmed"): the return address rides on it. */
  completePath?: string;
  /** Path of the ticket URL the QR code holds. */
  ticketPath: string;
  digits: string;
  html: string;
  status: number;
}

/** What a desktop scan page shows: the ticket URL (from the QR code's data-url) and the digits. */
export function shownCode(res: request.Response): ShownCode {
  const html = res.text;
  const url = /id="qr" data-url="([^"]+)"/.exec(html)?.[1];
  if (!url) throw new Error(`no scan code on the page (status ${res.status}): ${html.slice(0, 300)}`);
  const ticketPath = pathOf(url.replace(/&amp;/g, '&'));
  const ticketId = /\/scan\/t\/([A-Za-z0-9_-]+)$/.exec(ticketPath)![1]!;
  const digits = /id="scan-digits">(\d\d)</.exec(html)?.[1] ?? '';
  const config = /data-config="([^"]+)"/.exec(html)?.[1];
  const decoded = config?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const completePath = decoded ? (JSON.parse(decoded) as { complete?: string }).complete : undefined;
  return { ticketId, recordId: ticketIdOfValue(ticketId), completePath, ticketPath, digits, html, status: res.status };
}

/** The desktop opens a guarded page: 401 with a fresh code. */
export async function desktopOpens(agent: Agent, path = '/profile'): Promise<ShownCode> {
  const res = await asDesktop(agent.get(path));
  expect(res.status).toBe(401);
  return shownCode(res);
}

/** A phone in WeChat, signed in as `user` through the normal login (its own agent on the phone app). */
export async function signedInPhone(world: LoginWorld, app: Express, user = 'alice'): Promise<Agent> {
  const phone = request.agent(app);
  const start = await asPhone(phone.get('/auth/wechat/login'));
  const callback = world.emulator.authorize(start.headers.location as string, { user });
  const res = await asPhone(phone.get(pathOf(callback)));
  expect(res.status).toBe(302);
  return phone;
}

export interface ConfirmPage {
  csrf: string;
  html: string;
  picks: string[];
}

/** The phone opens the ticket URL (signed in already): the confirm page. */
export async function phoneScans(phone: Agent, code: Pick<ShownCode, 'ticketPath'>): Promise<ConfirmPage> {
  const res = await asPhone(phone.get(code.ticketPath));
  expect(res.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.text)?.[1];
  if (!csrf) throw new Error(`no confirm form: ${res.text.slice(0, 400)}`);
  const picks = [...res.text.matchAll(/data-pick="(\d\d)"/g)].map((m) => m[1]!);
  return { csrf, html: res.text, picks };
}

/** POST Confirm as our own same-origin form; returns the answer (303 to WeChat when accepted). */
export function postConfirm(phone: Agent, code: Pick<ShownCode, 'ticketPath'>, fields: Record<string, string>): request.Test {
  return asPhone(phone.post(`${code.ticketPath}/confirm`))
    .set('Origin', ORIGIN)
    .set('Sec-Fetch-Site', 'same-origin')
    .type('form')
    .send(fields);
}

export function postCancel(phone: Agent, code: Pick<ShownCode, 'ticketPath'>, fields: Record<string, string>): request.Test {
  return asPhone(phone.post(`${code.ticketPath}/cancel`))
    .set('Origin', ORIGIN)
    .set('Sec-Fetch-Site', 'same-origin')
    .type('form')
    .send(fields);
}

/** WeChat's authorization for the desktop (the emulator consents as `user`), back to our scan callback. */
export async function authorizeForDesktop(world: LoginWorld, phone: Agent, confirm: request.Response, user = 'alice'): Promise<request.Response> {
  expect(confirm.status).toBe(303);
  const callback = world.emulator.authorize(confirm.headers.location as string, { user });
  return asPhone(phone.get(pathOf(callback)));
}

/** The whole phone side: scan, confirm, authorize. */
export async function phoneConfirms(world: LoginWorld, phone: Agent, code: ShownCode, user = 'alice'): Promise<request.Response> {
  const page = await phoneScans(phone, code);
  const confirm = await postConfirm(phone, code, { csrf: page.csrf, ...(code.digits ? { pick: code.digits } : {}) });
  return authorizeForDesktop(world, phone, confirm, user);
}

export async function statusOf(agent: Agent, code: Pick<ShownCode, 'ticketId'>): Promise<{ status: number; state: string }> {
  const res = await agent.get(`/auth/wechat/scan/status?t=${code.ticketId}`).set('Accept', 'application/json');
  return { status: res.status, state: res.body?.state };
}

/** The desktop's sign-in step (what its page does on "confirmed"). */
export function complete(agent: Agent, code: Pick<ShownCode, 'ticketId' | 'completePath'>): request.Test {
  return asDesktop(agent.get(code.completePath ?? `/auth/wechat/scan/complete?t=${code.ticketId}`));
}

export async function whoIs(agent: Agent): Promise<{ status: number; openid?: string; nickname?: string }> {
  const res = await agent.get('/api/me').set('Accept', 'application/json');
  return { status: res.status, openid: res.body?.user?.openid, nickname: res.body?.user?.nickname };
}
