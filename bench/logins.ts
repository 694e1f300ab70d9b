import { USER_HEADER, type WechatEmulator } from '../lib/testing/index.js';
import { CALLBACK_PATH, LOGIN_PATH, SESSION_NAME } from './apps/shared.js';
import { cookieFrom, get, locationOf, pathOf } from './http.js';

export interface CompletedLogin {
  /** `wechat.sid=…`, the logged-in session. */
  sessionCookie: string;
  /** The callback as WeChat sent it, and the cookies the browser had, to repeat it. */
  callbackPath: string;
  browserCookies: string;
}

/**
 * One whole login as a browser does it: the app's /login, WeChat's authorize page (the emulator, answering for
 * `user` without a page), the app's /callback.
 */
export async function logIn(appUrl: string, emulator: WechatEmulator, user: string, options: { scope?: string } = {}): Promise<CompletedLogin> {
  const query = options.scope ? `?scope=${options.scope}` : '';
  const start = await get(`${appUrl}${LOGIN_PATH}${query}`);
  if (start.status !== 302) throw new Error(`login answered ${start.status}: ${start.body.slice(0, 200)}`);
  const authorizeUrl = locationOf(start);
  if (!authorizeUrl.startsWith(emulator.url)) throw new Error(`login did not redirect to the emulator: ${authorizeUrl}`);
  // Ours sets the browser binder cookie here; passport-wechat sets nothing.
  const browserCookies = [...((start.headers['set-cookie'] as string[] | undefined) ?? [])].map((c) => c.split(';')[0]).join('; ');

  const authorize = await get(`${emulator.url}${pathOf(authorizeUrl)}`, { [USER_HEADER]: user });
  if (authorize.status !== 302) throw new Error(`emulator authorize answered ${authorize.status}: ${authorize.body.slice(0, 200)}`);
  const callbackPath = pathOf(locationOf(authorize));
  if (!callbackPath.startsWith(CALLBACK_PATH)) throw new Error(`unexpected callback ${callbackPath}`);

  const callback = await get(`${appUrl}${callbackPath}`, browserCookies ? { cookie: browserCookies } : {});
  const sessionCookie = cookieFrom(callback, SESSION_NAME);
  if (callback.status !== 302 || !sessionCookie) throw new Error(`callback answered ${callback.status} without a session: ${callback.body.slice(0, 200)}`);
  return { sessionCookie, callbackPath, browserCookies };
}

/** `count` logged-in sessions, users taken round-robin, `parallel` logins at a time. */
export async function logInMany(appUrl: string, emulator: WechatEmulator, count: number, parallel = 8): Promise<string[]> {
  const cookies: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        cookies[i] = (await logIn(appUrl, emulator, emulator.users[i % emulator.users.length]!.id)).sessionCookie;
      }
    }),
  );
  return cookies;
}

export interface LoginRate {
  loginsPerSec: number;
  completed: number;
  failed: number;
  seconds: number;
}

/** Complete logins per second with `concurrency` browsers logging in back to back for `seconds`. */
export async function measureLogins(appUrl: string, emulator: WechatEmulator, seconds: number, concurrency: number): Promise<LoginRate> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let completed = 0;
  let failed = 0;
  let userIndex = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const user = emulator.users[userIndex++ % emulator.users.length]!.id;
        try {
          await logIn(appUrl, emulator, user);
          completed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { loginsPerSec: completed / elapsed, completed, failed, seconds: elapsed };
}
