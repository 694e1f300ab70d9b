import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { WechatEmulator } from '../../lib/testing/index.js';
import type { AppProcessConfig, FromAppProcess, ToAppProcess } from './app-process-messages.js';

/** RSS and heap of one app process, bytes. */
export interface ProcessMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

/** N app processes (app-process.ts) on one Redis Cluster and one emulator, as a process manager would start them. */
export interface AppProcesses {
  /** `http://127.0.0.1:<port>` of each, in index order. */
  readonly urls: string[];
  /** Every process re-reads the emulator's clock: call it after `emulator.advanceTime()`. */
  syncClocks(): Promise<void>;
  /** Each process's memory, in index order (after a GC when started with `exposeGc`). */
  memory(): Promise<ProcessMemory[]>;
  /** Asks each to close its server and Redis connections; SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface StartAppProcessesOptions {
  count: number;
  /** `host:port` seed nodes of the cluster. */
  seeds: string[];
  emulator: Pick<WechatEmulator, 'url' | 'defaultApp'>;
  /** The bundled app-process script. Default: bundled now (see {@link bundleAppProcess}), removed by `stop()`. */
  script?: string;
  /** Start with --expose-gc, so `memory()` measures what stays after a collection. */
  exposeGc?: boolean;
}

export const APP_PROCESS_SESSION_SECRET = 'app-process-session-secret-0123456789abcdef';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles app-process.ts with esbuild (packages stay external) into node_modules/.cache, inside the repository
 * so the bundle's imports resolve from node_modules. A folder per process: concurrent suites do not share one.
 */
export async function bundleAppProcess(): Promise<{ script: string; remove(): void }> {
  const outdir = join(here, '..', '..', 'node_modules', '.cache', `wol-app-process-${process.pid}-${Date.now()}`);
  await build({
    entryPoints: { 'app-process': join(here, 'app-process.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return { script: join(outdir, 'app-process.mjs'), remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

export async function startAppProcesses(options: StartAppProcessesOptions): Promise<AppProcesses> {
  const bundled = options.script ? undefined : await bundleAppProcess();
  const script = options.script ?? bundled!.script;
  const children: AppChild[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    bundled?.remove();
  };
  try {
    const started = Array.from({ length: options.count }, (_, index) =>
      startChild(script, options.exposeGc ?? false, {
        index,
        seeds: options.seeds,
        emulatorUrl: options.emulator.url,
        appId: options.emulator.defaultApp.appId,
        appSecret: options.emulator.defaultApp.appSecret,
        sessionSecret: APP_PROCESS_SESSION_SECRET,
      }),
    );
    children.push(...started);
    await Promise.all(started.map((c) => c.ready));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    urls: children.map((c) => c.url),
    async syncClocks() {
      await Promise.all(children.map((c) => c.ask({ type: 'sync-clock' }, 'clock-synced')));
    },
    async memory() {
      const answers = await Promise.all(children.map((c) => c.ask({ type: 'memory' }, 'memory')));
      return answers.map((a) => {
        const { rss, heapUsed, heapTotal } = a as Extract<FromAppProcess, { type: 'memory' }>;
        return { rss, heapUsed, heapTotal };
      });
    },
    stop,
  };
}

interface AppChild {
  ready: Promise<void>;
  url: string;
  ask(message: ToAppProcess, answer: FromAppProcess['type']): Promise<FromAppProcess>;
  stop(): Promise<void>;
}

function startChild(script: string, exposeGc: boolean, config: AppProcessConfig): AppChild {
  // Jest passes --experimental-vm-modules in NODE_OPTIONS; the app needs nothing of it.
  const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
  const child: ChildProcess = fork(script, [JSON.stringify(config)], {
    env,
    execArgv: exposeGc ? ['--expose-gc'] : [],
    // APP_PROCESS_OUTPUT=inherit shows the processes' output (with DEBUG=wechat-official-login*, their debug log).
    stdio: process.env.APP_PROCESS_OUTPUT === 'inherit' ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const waitFor = (type: FromAppProcess['type'], timeoutMs = 20_000) =>
    new Promise<FromAppProcess>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`app process ${config.index} did not answer "${type}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const onMessage = (message: FromAppProcess) => {
        if (message.type === type) done(undefined, message);
        else if (message.type === 'failed') done(new Error(`app process ${config.index}: ${message.message}`));
      };
      const onExit = (code: number | null) => done(new Error(`app process ${config.index} exited (${code}) before "${type}":\n${output}`));
      function done(error?: Error, message?: FromAppProcess) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  const app: AppChild = {
    url: '',
    ready: waitFor('ready').then((message) => {
      app.url = `http://127.0.0.1:${(message as Extract<FromAppProcess, { type: 'ready' }>).port}`;
    }),
    ask(message, answer) {
      const answered = waitFor(answer);
      child.send(message);
      return answered;
    },
    async stop() {
      if (!running()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      if (child.connected) child.send({ type: 'stop' } satisfies ToAppProcess);
      else child.kill('SIGKILL');
      await exited;
      clearTimeout(timer);
    },
  };
  app.ready.catch(() => undefined);
  return app;
}
