import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { HOUR_MS, sessionCookieFrom, wechatAccepts } from './token-helpers.js';
import { reportFigure } from '../helpers/figures.js';

const here = dirname(fileURLToPath(import.meta.url));
// Inside the repository, so that the bundle's external packages resolve from node_modules.
const buildDir = join(here, '.build');
const PROCESSES = 4;
const REQUESTS = 50;

let world: LoginWorld;
let wechat: WechatLogin;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world));
});
afterAll(async () => {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await wechat.close();
  await world.stop();
});

async function bundleWorker(): Promise<string> {
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, 'worker.mjs');
  await build({
    entryPoints: [join(here, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function startWorker(file: string, env: Record<string, string>): Promise<number> {
  const { NODE_OPTIONS: _jestFlags, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [file], { env: { ...parentEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  workers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port=(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}):\n${output}`));
    });
  });
}

describe('single flight across processes', () => {
  it(`refreshes an expired token once for ${REQUESTS} concurrent requests of one session over ${PROCESSES} Node processes`, async () => {
    const started = performance.now();
    const options = loginOptions(world);
    const { callback } = await login(request.agent(buildApp(wechat)), world.emulator, { user: 'alice' });
    const cookie = sessionCookieFrom(callback);

    world.clock.advance(2 * HOUR_MS);
    const file = await bundleWorker();
    const env = {
      APP_ID: options.appId,
      APP_SECRET: options.appSecret,
      REDIS_URL: world.redisServer.url,
      SESSION_SECRET: (options.session as { secret: string }).secret,
      EMULATOR_URL: world.emulator.apiBaseUrl,
      CLOCK_NOW_MS: String(world.clock.now()),
    };
    const ports = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker(file, env)));
    world.emulator.resetCalls();

    const fired = performance.now();
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const res = await fetch(`http://127.0.0.1:${ports[i % PROCESSES]}/api/token`, {
          headers: { Cookie: cookie, Accept: 'application/json' },
        });
        return { status: res.status, body: (await res.json()) as { token?: string } };
      }),
    );
    const requestsMs = Math.round(performance.now() - fired);
    const calls = world.emulator.calls.refresh_token;
    reportFigure(
      `refresh_token calls for ${REQUESTS} requests over ${PROCESSES} processes: ${calls} ` +
        `(requests ${requestsMs} ms; whole test incl. bundling and spawning ${Math.round(performance.now() - started)} ms)`,
    );

    expect(answers.map((a) => a.status)).toEqual(Array(REQUESTS).fill(200));
    const tokens = new Set(answers.map((a) => a.body.token));
    expect(tokens.size).toBe(1);
    expect(calls).toBe(1);
    const [token] = [...tokens];
    expect(await wechatAccepts(world.emulator, token!, world.emulator.openidFor('alice'))).toBe(true);
  });
});
