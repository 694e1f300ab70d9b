import { expect } from '@jest/globals';
import type { Redis } from 'ioredis';
import type request from 'supertest';
import { createKeys } from '../../lib/store/keys.js';
import type { LoginWorld } from '../helpers/login-app.js';

/** What an error answer must never show: a stack, a token, the app secret, an authorization code. */
export function expectNothingLeaked(res: request.Response, world: LoginWorld, code?: string): void {
  const text = `${res.text ?? ''}${JSON.stringify(res.headers)}`;
  expect(text).not.toMatch(/\n\s+at |Error:|access_token|refresh_token|accessToken|refreshToken/);
  expect(text).not.toContain(world.emulator.defaultApp.appSecret);
  if (code) expect(text).not.toContain(code);
}

/** The `name=value` pairs a response sets, by cookie name. */
export function setCookies(res: request.Response): Record<string, string> {
  const raw = ([] as string[]).concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []);
  return Object.fromEntries(raw.map((c) => c.split(';')[0]!.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

export interface LoginRecords {
  /** Session id → the logged-in user id, for every session that holds a login. */
  sessions: Map<string, number>;
  /** Every grant id in Redis. */
  grants: Set<string>;
}

/** Reads every session and grant the app keeps in Redis (the suite's own server: no other app writes there). */
export async function readLoginRecords(redis: Redis, world: LoginWorld): Promise<LoginRecords> {
  const keys = createKeys('wol', world.emulator.defaultApp.appId);
  const sessions = new Map<string, number>();
  for (const key of await redis.keys(`${keys.sessionPrefix}*`)) {
    const text = await redis.get(key);
    const data = text ? (JSON.parse(text) as { wechat?: { login?: { userId: number; grantId: string } } }) : {};
    const login = data.wechat?.login;
    if (login) sessions.set(key.slice(keys.sessionPrefix.length).replace(/^\{(.*)\}$/, '$1'), login.userId);
  }
  const grants = new Set<string>();
  for (const key of await redis.keys(keys.grant('*'))) {
    if (!key.endsWith(':lock')) grants.add(key.replace(/.*\{(.*)\}$/, '$1'));
  }
  return { sessions, grants };
}

/**
 * Never half logged in: every session holding a login has its grant (a login's grant id is its session id)
 * and its user record; every grant belongs to such a session.
 */
export async function expectNoHalfLogins(redis: Redis, world: LoginWorld): Promise<LoginRecords> {
  const records = await readLoginRecords(redis, world);
  const keys = createKeys('wol', world.emulator.defaultApp.appId);
  for (const [sid, userId] of records.sessions) {
    expect({ sid, grant: records.grants.has(sid) }).toEqual({ sid, grant: true });
    expect({ sid, user: await redis.exists(keys.user(userId)) }).toEqual({ sid, user: 1 });
  }
  for (const grantId of records.grants) expect({ grantId, session: records.sessions.has(grantId) }).toEqual({ grantId, session: true });
  return records;
}
