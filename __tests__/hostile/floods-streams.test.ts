import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { EVENTS_POLL_MS } from '../../lib/scan/desktop-routes.js';
import { createStreamCaps, STREAM_CAPS } from '../../lib/scan/stream-caps.js';
import { buildApp, DESKTOP_UA, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';

/**
 * Open event streams are bounded: a few per browser and per address, a ceiling per process, and each reads Redis
 * at most once a second. (600 open streams from 10 addresses cost 3,589 Redis commands/s before.)
 */

let world: LoginWorld;
let wechat: WechatLogin;
let server: Server;
let base: string;
const open: IncomingMessage[] = [];

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world), { warn: () => undefined });
  const app = buildApp(wechat);
  app.set('trust proxy', 'loopback');
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open.splice(0)) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await wechat.close();
  await world.stop();
});

/** A desktop browser at `ip` with a code of its own: its scan cookie and ticket id. */
async function desktopWithCode(ip: string, browser?: string): Promise<{ cookie: string; ticketId: string }> {
  const visit = request(base).get('/profile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html').set('X-Forwarded-For', ip);
  const res = await (browser ? visit.set('Cookie', browser) : visit);
  expect(res.status).toBe(401);
  const cookie = browser ?? ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid.scan='))!.split(';')[0]!;
  const ticketId = /\/scan\/t\/([A-Za-z0-9_-]+)/.exec(res.text)![1]!;
  return { cookie, ticketId };
}

/** Opens the event stream and resolves with its status once the headers arrive (the stream stays open). */
function openStream(ip: string, { cookie, ticketId }: { cookie: string; ticketId: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/auth/wechat/scan/events?t=${ticketId}`, { headers: { cookie, 'x-forwarded-for': ip, accept: 'text/event-stream' } }, (res) => {
      open.push(res);
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bounded event streams', () => {
  it(`a browser holds at most ${STREAM_CAPS.perBrowser} streams, an address ${STREAM_CAPS.perAddress}; past them 429 (the page polls instead)`, async () => {
    // One browser, a code per stream (a newer stream of the same code ends the older one within a tick).
    const first = await desktopWithCode('198.51.100.30');
    const statuses: number[] = [await openStream('198.51.100.30', first)];
    for (let i = 1; i < STREAM_CAPS.perBrowser + 1; i++) statuses.push(await openStream('198.51.100.30', await desktopWithCode('198.51.100.30', first.cookie)));
    expect(statuses).toEqual([...Array<number>(STREAM_CAPS.perBrowser).fill(200), 429]);

    // Other browsers at the same address, until the address's cap.
    const more: number[] = [];
    for (let i = 0; more.filter((s) => s === 200).length < STREAM_CAPS.perAddress - STREAM_CAPS.perBrowser; i++) {
      more.push(await openStream('198.51.100.30', await desktopWithCode('198.51.100.30')));
      if (i > 20) throw new Error('no cap reached');
    }
    expect(await openStream('198.51.100.30', await desktopWithCode('198.51.100.30'))).toBe(429);
    // Another address is someone else.
    expect(await openStream('198.51.100.31', await desktopWithCode('198.51.100.31'))).toBe(200);
  });

  it('a closed stream gives its place back', () => {
    const caps = createStreamCaps({ perBrowser: 1, perAddress: 5, perProcess: 2 });
    const release = caps.open('a', 'b1')!;
    expect(caps.open('a', 'b1')).toBeUndefined();
    release();
    release(); // once only
    expect(caps.size).toBe(0);
    const again = caps.open('a', 'b1');
    expect(again).toBeDefined();
    expect(caps.open('a', 'b2')).toBeDefined();
    expect(caps.open('c', 'b3')).toBeUndefined(); // the process's ceiling
  });

  it('each stream reads its ticket at most once a second', () => {
    expect(EVENTS_POLL_MS).toBeGreaterThanOrEqual(1_000);
  });
});
