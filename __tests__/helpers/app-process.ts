/**
 * One app process of a multi-process deployment (app-processes.ts forks it, bundled by esbuild): the package's
 * app as login-app.ts builds it, on a Redis Cluster from seed nodes and a WeChat emulator running in the parent.
 * Every answer carries `x-app-process: <index>`, so a test can tell which process served it.
 *
 * Its clock is real time plus the emulator's offset, read from the emulator's `GET /__emulator/clock` at start
 * and again on `sync-clock`: the emulator is the one source of time, so moving it expires tokens everywhere.
 * Answers `memory` with its RSS and heap (after a GC when started with --expose-gc); exits on `stop` or when
 * the parent goes away.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createWechatLogin, type Clock } from '../../lib/index.js';
import { buildApp } from './login-app.js';
import type { AppProcessConfig, FromAppProcess, ToAppProcess } from './app-process-messages.js';

const config = JSON.parse(process.argv[2] ?? '{}') as AppProcessConfig;
const send = (message: FromAppProcess) => process.send?.(message);

let offsetMs = 0;
const clock: Clock = { now: () => Date.now() + offsetMs };
async function syncClock(): Promise<void> {
  const res = await fetch(`${config.emulatorUrl}/__emulator/clock`);
  const { now } = (await res.json()) as { now: number };
  offsetMs = now - Date.now();
}

await syncClock();
const wechat = createWechatLogin(
  {
    appId: config.appId,
    appSecret: config.appSecret,
    redis: { cluster: config.seeds },
    session: { secret: config.sessionSecret },
    apiBaseUrl: config.emulatorUrl,
    authorizeBaseUrl: config.emulatorUrl,
    publicUrl: 'http://localhost:3000',
    clock,
  },
  { warn: () => undefined },
);

const app = express();
app.disable('x-powered-by');
// Behind round-robin-proxy.ts: the client address (the login rate limit's key) is what the proxy forwards.
app.set('trust proxy', 'loopback');
app.use((_req, res, next) => {
  res.setHeader('x-app-process', String(config.index));
  next();
});
app.use(buildApp(wechat));

const server = createServer(app);
// The proxy's and the driver's connections stay open between bursts; Node's default 5 s would drop them.
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

async function stop(): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await wechat.close();
  send({ type: 'stopped' });
  process.exit(0);
}

process.on('message', (message: ToAppProcess) => {
  if (message.type === 'sync-clock') {
    syncClock().then(
      () => send({ type: 'clock-synced', now: clock.now() }),
      (error: unknown) => send({ type: 'failed', message: `sync-clock: ${String(error)}` }),
    );
  } else if (message.type === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    send({ type: 'memory', rss, heapUsed, heapTotal });
  } else if (message.type === 'stop') {
    void stop();
  }
});
// The parent died or closed the channel: never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', port: (server.address() as AddressInfo).port });
