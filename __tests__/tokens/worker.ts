/**
 * One app process for multi-process.test.ts, bundled by esbuild at test start: createWechatLogin with the
 * parent's options over the same Redis and emulator, listening on port 0. Prints `port=<n>` on stdout.
 * Its clock starts at the parent's test clock (CLOCK_NOW_MS) and runs at real speed from there.
 */
import type { AddressInfo } from 'node:net';
import { createWechatLogin } from '../../lib/index.js';
import { buildApp } from '../helpers/login-app.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker: ${name} is required`);
  return value;
};

const startedAt = Date.now();
const wechat = createWechatLogin({
  appId: env('APP_ID'),
  appSecret: env('APP_SECRET'),
  redis: env('REDIS_URL'),
  session: { secret: env('SESSION_SECRET') },
  apiBaseUrl: env('EMULATOR_URL'),
  authorizeBaseUrl: env('EMULATOR_URL'),
  publicUrl: 'http://localhost:3000',
  clock: { now: () => Number(env('CLOCK_NOW_MS')) + (Date.now() - startedAt) },
  timeoutMs: 1_000,
  retry: { baseDelayMs: 5, maxDelayMs: 20 },
});

const server = buildApp(wechat).listen(0, '127.0.0.1', () => {
  process.stdout.write(`port=${(server.address() as AddressInfo).port}\n`);
});

// The parent's end of stdin closes when it exits or kills us: never outlive the test run.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
