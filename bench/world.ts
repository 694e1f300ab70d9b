import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWechatEmulator, type EmulatorUser, type TestClock, type WechatEmulator } from '../lib/testing/index.js';
import { startRedisServer, type TestRedisServer } from '../__tests__/helpers/redis-server.js';
import type { AppName, FromHost, HostConfig, ToHost } from './apps/shared.js';

/** The bundled host script sits next to the bundled orchestrator (see bench/bench.mjs). */
const HOST_FILE = fileURLToPath(new URL('./host.mjs', import.meta.url));

/**
 * Real time plus an offset that only grows: codes and tokens expire by themselves during long rounds, and the
 * benchmark can still jump two hours ahead. Host processes get the same offset over IPC.
 */
export interface BenchClock extends TestClock {
  readonly offsetMs: number;
}

function createBenchClock(): BenchClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
    set(ms) {
      offset = ms - Date.now();
    },
    get offsetMs() {
      return offset;
    },
  };
}

/** Realistic profiles: a WeChat avatar URL is ~130 characters and dominates the stored user's size. */
export function benchUsers(count: number): EmulatorUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(4, '0');
    return {
      id: `u${n}`,
      nickname: `用户${n} Bench`,
      headimgurl: `https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTKbench${n}icHbYXhkib5zvw3qJkO5TfXicvT4mZqbHEEVbXbOvMia3ZibkgJ5YBVIoeibNfLx1Ribs0ia6g/132`,
      unionid: `oBenchUnion${n}AbCdEfGhIjKlMnO`,
    };
  });
}

/** One app process: its ports, and a stop() that waits for it to close its servers and Redis clients. */
export interface Host {
  ports: Partial<Record<AppName, number>>;
  url(app: AppName): string;
  setClock(offsetMs: number): Promise<void>;
  /** CPU time the process has used so far (user + system), µs: per request, steadier than req/s on a busy machine. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

export interface Bench {
  emulator: WechatEmulator;
  clock: BenchClock;
  startRedis(): Promise<TestRedisServer>;
  startHost(redis: TestRedisServer, apps: AppName[]): Promise<Host>;
  /** Moves the emulator's and every host's clock forward. */
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startBench(userCount: number): Promise<Bench> {
  const clock = createBenchClock();
  const emulator = await startWechatEmulator({ clock, users: benchUsers(userCount) });
  const hosts = new Set<Host>();
  const redisServers: TestRedisServer[] = [];
  return {
    emulator,
    clock,
    async startRedis() {
      const server = await startRedisServer();
      redisServers.push(server);
      return server;
    },
    async startHost(redis, apps) {
      const host = await startHost({
        redisUrl: redis.url,
        emulatorUrl: emulator.url,
        appId: emulator.defaultApp.appId,
        appSecret: emulator.defaultApp.appSecret,
        apps,
        clockOffsetMs: clock.offsetMs,
      });
      hosts.add(host);
      const stop = host.stop;
      host.stop = async () => {
        hosts.delete(host);
        await stop();
      };
      return host;
    },
    async advance(ms) {
      clock.advance(ms);
      await Promise.all([...hosts].map((h) => h.setClock(clock.offsetMs)));
    },
    async stop() {
      await Promise.allSettled([...hosts].map((h) => h.stop()));
      await emulator.close();
      await Promise.allSettled(redisServers.map((r) => r.stop()));
    },
  };
}

async function startHost(config: HostConfig): Promise<Host> {
  // Jest passes --experimental-vm-modules in NODE_OPTIONS; the host needs nothing of it.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = fork(HOST_FILE, [JSON.stringify(config)], { env, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = (type: FromHost['type'], timeoutMs = 20_000) => waitFor(child, type, timeoutMs);
  const ready = (await next('ready')) as Extract<FromHost, { type: 'ready' }>;
  return {
    ports: ready.ports,
    url(app) {
      const port = ready.ports[app];
      if (!port) throw new Error(`this host does not run "${app}"`);
      return `http://127.0.0.1:${port}`;
    },
    async setClock(offsetMs) {
      const set = next('clock-set');
      child.send({ type: 'clock', offsetMs } satisfies ToHost);
      await set;
    },
    async cpuMicros() {
      const answer = next('cpu');
      child.send({ type: 'cpu' } satisfies ToHost);
      return ((await answer) as Extract<FromHost, { type: 'cpu' }>).micros;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' } satisfies ToHost);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitFor(child: ChildProcess, type: FromHost['type'], timeoutMs: number): Promise<FromHost> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`host did not answer "${type}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: FromHost) => {
      if (message.type === type) done(undefined, message);
    };
    const onExit = (code: number | null) => done(new Error(`host exited (${code}) before "${type}"`));
    function done(error?: Error, message?: FromHost) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve(message!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
