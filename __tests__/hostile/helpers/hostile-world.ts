import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../../lib/index.js';
import { DEFAULT_EMULATOR_APP, type EmulatorApp } from '../../../lib/testing/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../../helpers/login-app.js';

/** A second Official Account the emulator knows: codes issued for it must not log anyone into ours. */
export const OTHER_APP: EmulatorApp = { appId: 'wx0ther0app0000000', appSecret: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', name: 'Other app' };

/** Our public origin in these suites (loginOptions' publicUrl). */
export const OURS = 'http://localhost:3000';

/** A world whose emulator knows our app and OTHER_APP. */
export async function startHostileWorld(): Promise<LoginWorld> {
  return startWorld({ emulator: { apps: [DEFAULT_EMULATOR_APP, OTHER_APP] } });
}

export interface HostileSuite {
  world: LoginWorld;
  wechat: WechatLogin;
  app: Express;
}

/**
 * One world for the file and one app per entry of `apps` (same Redis and emulator), faults and counters reset
 * after each test. Rate limits are off unless an entry sets them: these suites send many logins from one address.
 */
export function useHostileSuite(
  assign: (suites: Record<string, HostileSuite>) => void,
  apps: Record<string, { options?: Partial<WechatLoginOptions>; routes?: (app: Express) => void }>,
): void {
  let world: LoginWorld | undefined;
  const built: Record<string, HostileSuite> = {};
  beforeAll(async () => {
    world = await startHostileWorld();
    for (const [name, { options, routes }] of Object.entries(apps)) {
      const wechat = createWechatLogin(loginOptions(world, { rateLimit: false, ...options }), { warn: () => undefined });
      built[name] = { world, wechat, app: buildApp(wechat, routes) };
    }
    assign(built);
  });
  afterEach(() => {
    world?.emulator.clearFaults();
    world?.emulator.resetCalls();
  });
  afterAll(async () => {
    for (const suite of Object.values(built)) await suite.wechat.close();
    await world?.stop();
  });
}

export const setCookiesOf = (res: { headers: Record<string, unknown> }): string[] => ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);

/** `name=value` of the cookie `name` an answer set, or undefined. */
export function cookieSet(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return setCookiesOf(res).find((c) => c.startsWith(`${name}=`))?.split(';')[0];
}

/** What must never appear in an answer: the app secret, tokens, a stack trace, an internal error. */
export function leaksIn(text: string, secrets: readonly string[]): string[] {
  const found = secrets.filter((s) => s && text.includes(s));
  if (/\n\s+at [^\n]+:\d+:\d+/.test(text) || /node_modules|\.ts:\d+/.test(text)) found.push('a stack trace');
  if (/access_token|refresh_token|TypeError|ReferenceError|ERR_WECHAT/.test(text)) found.push('an internal name');
  return found;
}

export function headersText(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join('\n') : String(v)}`)
    .join('\n');
}

/** The answer carries no secret, no stack, no internal error name (body and headers). */
export function expectNoLeak(res: { text?: string; headers: Record<string, unknown> }, secrets: readonly string[]): void {
  expect(leaksIn(`${headersText(res.headers)}\n${res.text ?? ''}`, secrets)).toEqual([]);
}

/** Every session cookie the answer set (and `alsoCookie`) is anonymous to the guard, and the server still serves. */
export async function expectNobodyLoggedIn(app: Express, res: { headers: Record<string, unknown> }, alsoCookie?: string): Promise<void> {
  const cookies = [cookieSet(res, 'wechat.sid'), alsoCookie].filter((c): c is string => c !== undefined);
  for (const cookie of cookies) {
    const me = await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie);
    expect(me.status).toBe(401);
  }
  expect((await request(app).get('/')).status).toBe(200);
}
