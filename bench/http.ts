import { Agent, request } from 'node:http';

/** One keep-alive agent for every request the driver sends, as a browser or load generator would reuse connections. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request that never follows redirects (each hop of a login is a step we count). */
export function send(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const get = (url: string, headers?: Record<string, string>) => send('GET', url, headers);

/** `name=value` of the cookie `name` that a response set, or undefined. */
export function cookieFrom(res: HttpResponse, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const cookie = list.find((c) => c.startsWith(`${name}=`));
  return cookie?.split(';')[0];
}

export function locationOf(res: HttpResponse): string {
  const location = res.headers.location;
  if (typeof location !== 'string') throw new Error(`expected a redirect, got ${res.status}: ${res.body.slice(0, 200)}`);
  return location;
}

/** Path and query of a URL, without its fragment (WeChat's authorize URLs end in #wechat_redirect). */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/** The session id inside an express-session cookie `name=s%3A<sid>.<signature>`. */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  if (!value.startsWith('s:')) throw new Error(`not a signed session cookie: ${cookie}`);
  return value.slice(2, value.lastIndexOf('.'));
}

export function closeConnections(): void {
  agent.destroy();
}
