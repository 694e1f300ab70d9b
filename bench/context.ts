import type { Redis } from 'ioredis';
import type { TestRedisServer } from '../__tests__/helpers/redis-server.js';
import { SESSION_NAME } from './apps/shared.js';
import { cookieFrom, get, send } from './http.js';
import { logInMany } from './logins.js';
import type { Profile } from './profile.js';
import type { Bench, Host } from './world.js';

/** What sections 1, 2, 3, 5 and 7 share: one Redis, one host running every app, logged-in sessions on each. */
export interface MainWorld {
  bench: Bench;
  profile: Profile;
  redisServer: TestRedisServer;
  /** For INFO and MONITOR only; the apps have their own connections. */
  stats: Redis;
  host: Host;
  cookies: { ours: string[]; bare: string[]; passport: string[] };
  progress(line: string): void;
}

export async function startMainWorld(bench: Bench, profile: Profile, progress: (line: string) => void): Promise<MainWorld> {
  const redisServer = await bench.startRedis();
  const stats = redisServer.client();
  const host = await bench.startHost(redisServer, ['ours', 'bare', 'passport', 'example']);
  progress(`logging in ${profile.sessions} sessions on ours and on passport-wechat`);
  const ours = await logInMany(host.url('ours'), bench.emulator, profile.sessions);
  const passport = await logInMany(host.url('passport'), bench.emulator, profile.sessions);
  const bare = await seedBareSessions(host.url('ours'), host.url('bare'), ours);
  return { bench, profile, redisServer, stats, host, cookies: { ours, bare, passport }, progress };
}

/** One bare session per logged-in session of ours, holding the very user object ours returns. */
async function seedBareSessions(oursUrl: string, bareUrl: string, oursCookies: string[]): Promise<string[]> {
  const cookies: string[] = [];
  for (const cookie of oursCookies) {
    const me = await get(`${oursUrl}/api/me`, { cookie, accept: 'application/json' });
    if (me.status !== 200) throw new Error(`ours /api/me answered ${me.status}`);
    const seeded = await send('POST', `${bareUrl}/seed`, { 'content-type': 'application/json' }, me.body);
    const bare = cookieFrom(seeded, SESSION_NAME);
    if (seeded.status !== 204 || !bare) throw new Error(`bare /seed answered ${seeded.status}`);
    cookies.push(bare);
  }
  return cookies;
}
