import { Agent, request } from 'node:http';
import { USER_HEADER } from '../../lib/testing/index.js';

/**
 * Plain HTTP as a browser (or a load generator) in another process than the app: no supertest, no redirects
 * followed, keep-alive connections without a cap, so 1,000 logins really run at once. For the multi-process
 * test, the 1,000-login script and the soak.
 */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** `x-app-process` of the answer: which app process served it (app-process.ts), or undefined. */
  servedBy: number | undefined;
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 30_000 });

export function send(method: string, url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const served = res.headers['x-app-process'];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, servedBy: typeof served === 'string' ? Number(served) : undefined });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${method} ${new URL(url).pathname} within 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Closes the kept-alive connections (end of a script, or of a test file). */
export function closeBrowserConnections(): void {
  agent.destroy();
}

const JSON_ACCEPT = { accept: 'application/json' };

/** `name=value` of the cookie `name` that an answer set, or undefined. */
export function cookieFrom(answer: HttpAnswer, name: string): string | undefined {
  const raw = answer.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
}

/** Why a step of a login or a request failed: `kind` groups failures in a report ("callback 503", "me ECONNRESET"). */
export class BrowserStepError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'BrowserStepError';
  }
}

export interface BrowserLogin {
  /** `wechat.sid=…`: the logged-in session. */
  sessionCookie: string;
  /** The app process that answered /login, and the one that answered /callback. */
  loginServedBy: number | undefined;
  callbackServedBy: number | undefined;
}

async function step(kind: string, method: string, url: string, headers?: Record<string, string>): Promise<HttpAnswer> {
  try {
    return await send(method, url, headers);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new BrowserStepError(`${kind} ${code}`, `${kind}: ${(error as Error).message}`);
  }
}

function expectStatus(kind: string, answer: HttpAnswer, status: number): void {
  if (answer.status !== status) throw new BrowserStepError(`${kind} ${answer.status}`, `${kind} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
}

function locationOf(kind: string, answer: HttpAnswer): URL {
  const location = answer.headers.location;
  if (typeof location !== 'string') throw new BrowserStepError(`${kind} no redirect`, `${kind} answered ${answer.status} without a Location`);
  return new URL(location);
}

/** A random address in 10.0.0.0/8: each login a client of its own, as real visitors are (per-address login limits). */
export function randomClientAddress(): string {
  return `10.${Array.from({ length: 3 }, () => Math.floor(Math.random() * 256)).join('.')}`;
}

/**
 * One whole login through `appUrl` (a proxy or one process): /login, WeChat's authorize page (the emulator,
 * answering for `user` without a page via its user header), /callback with the cookies /login set. The app's
 * requests say they come from `clientAddress` (X-Forwarded-For; see round-robin-proxy.ts), default a random one.
 */
export async function logInAs(appUrl: string, emulatorUrl: string, user: string, clientAddress = randomClientAddress()): Promise<BrowserLogin> {
  const client = { 'x-forwarded-for': clientAddress };
  const start = await step('login', 'GET', `${appUrl}/auth/wechat/login`, client);
  expectStatus('login', start, 302);
  const authorizeUrl = locationOf('login', start);
  if (authorizeUrl.origin !== new URL(emulatorUrl).origin) throw new BrowserStepError('login elsewhere', `login redirected to ${authorizeUrl.origin}`);
  const browserCookies = ((start.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');

  const authorize = await step('authorize', 'GET', `${emulatorUrl}${authorizeUrl.pathname}${authorizeUrl.search}`, { [USER_HEADER]: user });
  expectStatus('authorize', authorize, 302);
  const callbackUrl = locationOf('authorize', authorize);

  const callback = await step('callback', 'GET', `${appUrl}${callbackUrl.pathname}${callbackUrl.search}`, browserCookies ? { ...client, cookie: browserCookies } : client);
  expectStatus('callback', callback, 302);
  const sessionCookie = cookieFrom(callback, 'wechat.sid');
  if (!sessionCookie) throw new BrowserStepError('callback no session', 'callback set no session cookie');
  return { sessionCookie, loginServedBy: start.servedBy, callbackServedBy: callback.servedBy };
}

/** `GET /api/me` (guarded): the user's openid, or a BrowserStepError (`me 401`, `me 503`, …). */
export async function fetchMe(appUrl: string, sessionCookie: string): Promise<{ openid: string; servedBy: number | undefined }> {
  const answer = await step('me', 'GET', `${appUrl}/api/me`, { ...JSON_ACCEPT, cookie: sessionCookie });
  expectStatus('me', answer, 200);
  return { openid: (JSON.parse(answer.body) as { user: { openid: string } }).user.openid, servedBy: answer.servedBy };
}

/** `GET /api/token`: the access token (refreshed transparently when it expired), or a BrowserStepError. */
export async function fetchToken(appUrl: string, sessionCookie: string): Promise<{ token: string; servedBy: number | undefined }> {
  const answer = await step('token', 'GET', `${appUrl}/api/token`, { ...JSON_ACCEPT, cookie: sessionCookie });
  expectStatus('token', answer, 200);
  return { token: (JSON.parse(answer.body) as { token: string }).token, servedBy: answer.servedBy };
}

/** `POST /auth/wechat/logout` (204 for JSON). */
export async function logOut(appUrl: string, sessionCookie: string): Promise<{ servedBy: number | undefined }> {
  // A same-origin POST as a browser marks it: the app refuses cross-site logouts.
  const answer = await step('logout', 'POST', `${appUrl}/auth/wechat/logout`, { ...JSON_ACCEPT, cookie: sessionCookie, 'sec-fetch-site': 'same-origin' });
  expectStatus('logout', answer, 204);
  return { servedBy: answer.servedBy };
}
