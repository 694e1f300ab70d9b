import type { Redis } from 'ioredis';
import request from 'supertest';
import type { Express } from 'express';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { buildApp, login, loginOptions, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';

let prefixes = 0;
/** A key prefix of its own for each app set-up: tests share one Redis and never see each other's keys. */
export function freshPrefix(label: string): string {
  return `${label}${++prefixes}`;
}

export interface Instance {
  wechat: WechatLogin;
  app: Express;
}

/** One createWechatLogin() and its app, as one process of a deployment would have them. */
export function instance(world: LoginWorld, overrides: Partial<WechatLoginOptions>): Instance {
  const wechat = createWechatLogin(loginOptions(world, overrides), { warn: () => undefined });
  return { wechat, app: buildApp(wechat) };
}

/** A browser that logged in as `user` through `app`: its session cookie, to send to any instance. */
export async function loggedInBrowser(app: Express, world: Pick<LoginWorld, 'emulator'>, user: string): Promise<string> {
  const agent = request.agent(app);
  const { callback } = await login(agent, world.emulator, { user, returnTo: '/profile' });
  if (callback.status !== 302 || callback.headers.location !== '/profile') throw new Error(`login answered ${callback.status}`);
  const cookie = ([] as string[]).concat(callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}

/** GET `path` as that browser, inside WeChat. */
export function asBrowser(app: Express, cookie: string, path: string, json = false) {
  const call = request(app).get(path).set('User-Agent', WECHAT_UA).set('Cookie', cookie);
  return json ? call.set('Accept', 'application/json') : call;
}

/**
 * Everything Redis holds under `prefix`, as text: every key's name, its value read by its type (GET, HGETALL,
 * ZRANGE … WITHSCORES, SMEMBERS, LRANGE), and its DUMP serialization.
 */
export async function everythingUnder(redis: Redis, prefix: string): Promise<{ keys: string[]; text: string }> {
  const keys = await redis.keys(`${prefix}:*`);
  const parts: string[] = [];
  for (const key of keys) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    if (type === 'zset') parts.push((await redis.zrange(key, 0, -1, 'WITHSCORES')).join(' '));
    if (type === 'set') parts.push((await redis.smembers(key)).join(' '));
    if (type === 'list') parts.push((await redis.lrange(key, 0, -1)).join(' '));
    const dump = await redis.dumpBuffer(key);
    if (dump) parts.push(dump.toString('latin1'));
  }
  return { keys, text: parts.join('\n') };
}

/** The session id in a signed session cookie (`wechat.sid=s:<sid>.<signature>`): also its login's grant id. */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}
