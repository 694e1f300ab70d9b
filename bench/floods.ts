// `npm run bench:floods`: the figures of issue 19 (crowds and floods), printed one per line. Everything runs in
// this process against a throwaway redis-server and the WeChat emulator; apps are driven with supertest (no
// sockets) except the guarded-throughput comparison, which listens and is loaded with autocannon.
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../lib/index.js';
import { startWechatEmulator, type WechatEmulator } from '../lib/testing/index.js';
import { startRedisServer, type TestRedisServer } from '../__tests__/helpers/redis-server.js';
import { comparisonSession, SESSION_SECRET } from './apps/shared.js';
import { load } from './load.js';

const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47';
const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const ORIGIN = 'http://localhost:3000';
const quick = process.argv.includes('--quick');

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/**
 * Round trips as the app waits for them: a command sent while none of ours is in flight starts one; commands
 * sent while others are out (Promise.all, a pipeline) ride along. Measured one request at a time.
 */
function countingClient(url: string): { redis: Redis; reset(): void; readonly trips: number; readonly commands: number } {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let inflight = 0;
  let trips = 0;
  let commands = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { promise: Promise<unknown> }, ...rest: unknown[]) => {
    commands++;
    if (inflight === 0) trips++;
    inflight++;
    const settle = () => void inflight--;
    command.promise.then(settle, settle);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  return {
    redis,
    reset() {
      trips = 0;
      commands = 0;
    },
    get trips() {
      return trips;
    },
    get commands() {
      return commands;
    },
  };
}

interface World {
  server: TestRedisServer;
  admin: Redis;
  emulator: WechatEmulator;
  logins: WechatLogin[];
  clients: Redis[];
}

async function startWorld(): Promise<World> {
  const [server, emulator] = await Promise.all([startRedisServer(), startWechatEmulator()]);
  return { server, admin: server.client(), emulator, logins: [], clients: [] };
}

function appOf(world: World, redis: Redis, overrides: Partial<WechatLoginOptions> = {}): { app: Express; wechat: WechatLogin } {
  const wechat = createWechatLogin(
    {
      appId: world.emulator.defaultApp.appId,
      appSecret: world.emulator.defaultApp.appSecret,
      redis,
      session: { secret: SESSION_SECRET },
      apiBaseUrl: world.emulator.apiBaseUrl,
      authorizeBaseUrl: world.emulator.authorizeBaseUrl,
      publicUrl: ORIGIN,
      ...overrides,
    },
    { warn: () => undefined },
  );
  world.logins.push(wechat);
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(wechat.router);
  app.get('/profile', wechat.requireWechatUser(), (req, res) => void res.send(`hello ${req.wechat.openid}`));
  app.get('/api/me', wechat.requireWechatUser(), (req, res) => void res.json({ user: req.wechat.user }));
  app.use(wechat.errorHandler());
  return { app, wechat };
}

/** Keys and bytes Redis holds (DBSIZE, used_memory) — deltas are what a flood left. */
/** The emulator's people, without its snapshot-page visitor (who never logs in). */
const realPeople = (world: World) => world.emulator.users.filter((u) => !u.snapshot).map((u) => u.id);

async function holdings(admin: Redis): Promise<{ keys: number; bytes: number }> {
  const memory = await admin.info('memory');
  return { keys: await admin.dbsize(), bytes: Number(/used_memory:(\d+)/.exec(memory)![1]) };
}

async function parallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < count) await task(next++); }));
}

async function logIn(from: Express, to: Express, emulator: WechatEmulator, ip: string, user: string): Promise<request.Response> {
  const start = await request(from).get('/auth/wechat/login?returnTo=/api/me').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip);
  const cookies = ([] as string[]).concat(start.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const callback = emulator.authorize(start.headers.location as string, { user });
  return request(to).get(pathOf(callback)).set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip).set('Cookie', cookies);
}

async function crowd(world: World): Promise<string> {
  const keyPrefix = `crowd${randomBytes(3).toString('hex')}`;
  const one = appOf(world, world.admin, { keyPrefix }).app;
  const two = appOf(world, world.admin, { keyPrefix }).app;
  const users = realPeople(world);
  let loggedIn = 0;
  const started = performance.now();
  await parallel(200, 10, async (i) => {
    const res = await logIn(i % 2 ? one : two, i % 2 ? two : one, world.emulator, '203.0.113.77', users[i % users.length]!);
    if (res.status === 302 && ([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => c.startsWith('wechat.sid='))) loggedIn++;
  });
  const seconds = (performance.now() - started) / 1000;
  return `200 logins from one address over two instances (default options): ${loggedIn} logged in, ${200 - loggedIn} refused (${seconds.toFixed(1)} s)`;
}

async function abandoned(world: World, addresses: number): Promise<string[]> {
  const n = quick ? 100 : 1000;
  const { app } = appOf(world, world.admin, { keyPrefix: `aband${randomBytes(3).toString('hex')}` });
  const ip = (i: number) => `10.9.${Math.floor((i % addresses) / 250)}.${(i % addresses) % 250}`;
  const query = `q=${'x'.repeat(4096)}`;
  const lines: string[] = [];
  for (const [what, send] of [
    ['abandoned /login', (i: number) => request(app).get(`/auth/wechat/login?returnTo=${encodeURIComponent(`/profile?${'r'.repeat(1900)}`)}`).set('User-Agent', WECHAT_UA).set('X-Forwarded-For', ip(i))],
    ['desktop visits to a guarded page with a 4 KB query', (i: number) => request(app).get(`/profile?${query}`).set('User-Agent', DESKTOP_UA).set('Accept', 'text/html').set('X-Forwarded-For', ip(i))],
    ['unscanned scan codes', (i: number) => request(app).get('/auth/wechat/scan?returnTo=%2Fprofile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html').set('X-Forwarded-For', ip(i))],
  ] as const) {
    const before = await holdings(world.admin);
    const statuses: Record<number, number> = {};
    await parallel(n, 10, async (i) => {
      const res = await send(i);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    });
    const after = await holdings(world.admin);
    lines.push(
      `${n} ${what}, ${addresses === 1 ? 'one address' : `${addresses} addresses`}: +${after.keys - before.keys} keys, +${Math.round((after.bytes - before.bytes) / 1024)} KiB (${JSON.stringify(statuses)})`,
    );
  }
  return lines;
}

async function madeUpCodes(world: World): Promise<string> {
  const { app } = appOf(world, world.admin, { keyPrefix: `codes${randomBytes(3).toString('hex')}` });
  const agents = Array.from({ length: 20 }, () => request.agent(app));
  const before = world.emulator.calls.access_token;
  const statuses: Record<number, number> = {};
  await parallel(200, 20, async (i) => {
    const agent = agents[i % 20]!;
    const start = await agent.get('/auth/wechat/login').set('User-Agent', WECHAT_UA).set('X-Forwarded-For', '198.51.100.7');
    const state = new URL(start.headers.location as string).searchParams.get('state')!;
    const res = await agent.get(`/auth/wechat/callback?code=${randomBytes(16).toString('hex')}&state=${state}`).set('X-Forwarded-For', '198.51.100.7');
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  });
  return `200 made-up codes from one address: ${world.emulator.calls.access_token - before} WeChat code exchanges (${JSON.stringify(statuses)})`;
}

async function roundTrips(world: World): Promise<string[]> {
  const counted = countingClient(world.server.url);
  world.clients.push(counted.redis);
  const { app } = appOf(world, counted.redis, { keyPrefix: `trips${randomBytes(3).toString('hex')}` });
  const user = realPeople(world)[0]!;
  // Warm up: scripts loaded (EVALSHA thereafter), the user known (a returning user's login, as most are).
  for (let i = 0; i < 2; i++) await logIn(app, app, world.emulator, '192.0.2.1', user);

  counted.reset();
  const start = await request(app).get('/auth/wechat/login?returnTo=/api/me').set('User-Agent', WECHAT_UA);
  const atLogin = { trips: counted.trips, commands: counted.commands };
  const cookies = ([] as string[]).concat(start.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  counted.reset();
  const callback = await request(app).get(pathOf(world.emulator.authorize(start.headers.location as string, { user }))).set('User-Agent', WECHAT_UA).set('Cookie', cookies);
  const atCallback = { trips: counted.trips, commands: counted.commands };
  const sid = ([] as string[]).concat(callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!;
  await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', sid);
  counted.reset();
  await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', sid);
  const guarded = { trips: counted.trips, commands: counted.commands };

  // Scan: the desktop is shown a code, the (signed-in) phone scans and confirms, WeChat authorizes, the desktop signs in.
  const phone = request.agent(app);
  {
    const s = await phone.get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    await phone.get(pathOf(world.emulator.authorize(s.headers.location as string, { user }))).set('User-Agent', WECHAT_UA);
  }
  const steps: [string, number][] = [];
  const desktop = request.agent(app);
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    counted.reset();
    const result = await run();
    steps.push([name, counted.trips]);
    return result;
  };
  const shown = await step('shown', () => desktop.get('/profile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html'));
  const url = /id="qr" data-url="([^"]+)"/.exec(shown.text)![1]!.replace(/&amp;/g, '&');
  const ticketPath = pathOf(url);
  const ticketId = /\/scan\/t\/([A-Za-z0-9_-]+)$/.exec(ticketPath)![1]!;
  const digits = /id="scan-digits">(\d\d)</.exec(shown.text)?.[1];
  const page = await step('scanned', () => phone.get(ticketPath).set('User-Agent', WECHAT_UA).set('Accept', 'text/html'));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const confirm = await step('confirm', () =>
    phone.post(`${ticketPath}/confirm`).set('User-Agent', WECHAT_UA).set('Origin', ORIGIN).set('Sec-Fetch-Site', 'same-origin').type('form').send({ csrf, ...(digits ? { pick: digits } : {}) }),
  );
  await step('scan callback', () => phone.get(pathOf(world.emulator.authorize(confirm.headers.location as string, { user }))).set('User-Agent', WECHAT_UA));
  await step('desktop status', () => desktop.get(`/auth/wechat/scan/status?t=${ticketId}`).set('Accept', 'application/json'));
  const done = await step('desktop complete', () => desktop.get(`/auth/wechat/scan/complete?t=${ticketId}`).set('User-Agent', DESKTOP_UA).set('Accept', 'text/html'));
  const scanTotal = steps.reduce((n, [, t]) => n + t, 0);
  return [
    `Redis round trips, login + callback (returning user): ${atLogin.trips} + ${atCallback.trips} = ${atLogin.trips + atCallback.trips} (${atLogin.commands + atCallback.commands} commands)`,
    `Redis round trips, guarded request: ${guarded.trips} (${guarded.commands} commands)`,
    `Redis round trips, scan code shown → scanned → confirmed → desktop signed in: ${scanTotal} (${steps.map(([n, t]) => `${n} ${t}`).join(', ')}; desktop ${done.status})`,
  ];
}

async function guardedThroughput(world: World): Promise<string[]> {
  const seconds = quick ? 1 : 4;
  const ours = appOf(world, world.admin, { keyPrefix: `rps${randomBytes(3).toString('hex')}`, rateLimit: false });
  const bareRedis = world.server.client();
  world.clients.push(bareRedis);
  const bare = express();
  bare.use(comparisonSession(bareRedis, 'bare:sess:'));
  bare.post('/seed', express.json(), (req, res) => {
    (req.session as unknown as { benchUser: unknown }).benchUser = req.body;
    res.status(204).end();
  });
  bare.get('/api/me', (req, res) => {
    const user = (req.session as unknown as { benchUser?: unknown }).benchUser;
    if (!user) return void res.status(401).end();
    res.json({ user });
  });
  const listen = (app: Express) =>
    new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () =>
        resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) }),
      );
    });
  const oursUrl = await listen(ours.app);
  const bareUrl = await listen(bare);
  try {
    const people = realPeople(world);
    const oursCookies: string[] = [];
    const bareCookies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await logIn(ours.app, ours.app, world.emulator, '192.0.2.9', people[i % people.length]!);
      if (res.status !== 302) throw new Error(`login for the throughput run answered ${res.status}: ${res.text.slice(0, 300)}`);
      const sid = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!;
      oursCookies.push(sid);
      const me = await request(ours.app).get('/api/me').set('Accept', 'application/json').set('Cookie', sid);
      const seeded = await request(bare).post('/seed').send(me.body.user);
      bareCookies.push(([] as string[]).concat(seeded.headers['set-cookie'] ?? [])[0]!.split(';')[0]!);
    }
    const cpu = async () => {
      const text = await world.admin.info('cpu');
      return Number(/used_cpu_user:([\d.]+)/.exec(text)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(text)![1]);
    };
    const rounds: Record<'ours' | 'bare', { rps: number; cpuUs: number }[]> = { ours: [], bare: [] };
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      const order = round % 2 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const);
      for (const which of order) {
        const c0 = await cpu();
        const result = await load(which === 'ours' ? oursUrl.url : bareUrl.url, '/api/me', which === 'ours' ? oursCookies : bareCookies, seconds, 16);
        const c1 = await cpu();
        if (result.non2xx || result.errors) throw new Error(`${which}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        rounds[which].push({ rps: result.rps, cpuUs: ((c1 - c0) * 1e6) / result.requests });
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const o = { rps: med(rounds.ours.map((r) => r.rps)), cpu: med(rounds.ours.map((r) => r.cpuUs)) };
    const b = { rps: med(rounds.bare.map((r) => r.rps)), cpu: med(rounds.bare.map((r) => r.cpuUs)) };
    return [
      `guarded GET /api/me, ours vs bare express-session + connect-redis (one process, ${rounds.ours.length} alternating rounds of ${seconds} s): ` +
        `${Math.round(o.rps)} vs ${Math.round(b.rps)} req/s (ours/bare ${(o.rps / b.rps).toFixed(2)}); Redis CPU ${o.cpu.toFixed(1)} vs ${b.cpu.toFixed(1)} µs/request`,
    ];
  } finally {
    await oursUrl.close();
    await bareUrl.close();
  }
}

const world = await startWorld();
try {
  const lines: string[] = [];
  lines.push(await crowd(world));
  lines.push(...(await abandoned(world, 1)));
  lines.push(...(await abandoned(world, 100)));
  lines.push(await madeUpCodes(world));
  lines.push(...(await roundTrips(world)));
  lines.push(...(await guardedThroughput(world)));
  console.log(lines.join('\n'));
} finally {
  await Promise.all(world.logins.map((w) => w.close()));
  for (const client of world.clients) client.disconnect();
  world.admin.disconnect();
  await world.emulator.close();
  await world.server.stop();
}
