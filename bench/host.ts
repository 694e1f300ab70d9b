/**
 * A process that serves the apps under test, so the load generator and the emulator (in the orchestrator) do
 * not share its event loop. Started with fork() and a JSON HostConfig as argv[2]; answers `ready` with the
 * ports, moves its clock when told (the emulator's test clock lives in the orchestrator) and exits with it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createExampleApp } from '../example-app/app.js';
import type { Clock } from '../lib/index.js';
import { createBareApp } from './apps/bare.js';
import { createOursApp } from './apps/ours.js';
import { createPassportApp } from './apps/passport.js';
import { SESSION_SECRET, type AppName, type FromHost, type HostConfig, type ToHost } from './apps/shared.js';

const config = JSON.parse(process.argv[2] ?? '{}') as HostConfig;
let offsetMs = config.clockOffsetMs;
/** Real time plus the orchestrator's offset: tokens age on their own, and jump when the benchmark advances time. */
const clock: Clock = { now: () => Date.now() + offsetMs };

const send = (message: FromHost) => process.send?.(message);
const closers: (() => Promise<void>)[] = [];

async function listen(app: Express): Promise<number> {
  const server: Server = createServer(app);
  // autocannon's 16 connections stay open between rounds; Node's default 5 s keep-alive would drop them.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function start(name: AppName): Promise<number> {
  switch (name) {
    case 'ours': {
      const { app, wechat } = createOursApp(config, clock);
      closers.push(() => wechat.close());
      return listen(app);
    }
    case 'bare': {
      const { app, close } = createBareApp(config);
      closers.push(close);
      return listen(app);
    }
    case 'passport': {
      const { app, close } = createPassportApp(config);
      closers.push(close);
      return listen(app);
    }
    case 'example': {
      // The example app as `npm start` runs it, with the emulator running elsewhere (ours) and Redis.
      const example = createExampleApp(
        { PORT: '0', REDIS_URL: config.redisUrl, WECHAT_API_BASE: config.emulatorUrl, WECHAT_OPEN_BASE: config.emulatorUrl, SESSION_SECRET },
        // Every bench login comes from 127.0.0.1: the per-address limit would measure 429s, not logins.
        { log: () => undefined, warn: () => undefined, rateLimit: false },
      );
      const running = await example.start();
      closers.push(() => running.close());
      return Number(new URL(running.url).port);
    }
  }
}

async function stop(): Promise<void> {
  await Promise.allSettled(closers.map((close) => close()));
  send({ type: 'stopped' });
  process.exit(0);
}

process.on('message', (message: ToHost) => {
  if (message.type === 'clock') {
    offsetMs = message.offsetMs;
    send({ type: 'clock-set' });
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system });
  } else if (message.type === 'stop') {
    void stop();
  }
});
// The orchestrator died or closed the channel: never outlive it.
process.on('disconnect', () => process.exit(0));

const ports: Partial<Record<AppName, number>> = {};
for (const name of config.apps) ports[name] = await start(name);
send({ type: 'ready', ports });
