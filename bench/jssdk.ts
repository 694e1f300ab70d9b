/**
 * `npm run bench:jssdk [-- --requests 1000 --processes 4]`: GET /auth/wechat/jssdk-config over N app processes on a
 * real Redis Cluster (3 masters + 3 replicas) starting empty, round-robin, 50 at a time: how many WeChat calls
 * (stable_token, getticket) those requests cost, then the latency of a config request on a warm cache against
 * the same stack's cheapest answer (the 400 for a missing url: no Redis, no signing). Exits 1 on any non-200.
 */
import { fileURLToPath } from 'node:url';
import { createAdvanceableSystemClock } from '../lib/clock.js';
import { startWechatEmulator } from '../lib/testing/index.js';
import { startAppProcesses } from '../__tests__/helpers/app-processes.js';
import { startRedisCluster } from '../__tests__/helpers/redis-cluster.js';
import { percentile, round } from './stats.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive whole number, got ${process.argv[at + 1]}`);
  return value;
}

const requests = flag('requests', 1000);
const processCount = flag('processes', 4);
const latencyRounds = flag('latency', 2000);
const progress = (line: string) => process.stderr.write(`[jssdk] ${line}\n`);
const PAGE = 'http://localhost:3000/item/7?from=timeline#share';

progress(`starting a Redis Cluster, the emulator and ${processCount} app processes`);
const cluster = await startRedisCluster();
const emulator = await startWechatEmulator({ clock: createAdvanceableSystemClock() });
const apps = await startAppProcesses({
  count: processCount,
  seeds: cluster.seeds,
  emulator,
  script: fileURLToPath(new URL('./app-process.mjs', import.meta.url)),
});
let failures = 0;
try {
  const config = (i: number) => `${apps.urls[i % apps.urls.length]}/auth/wechat/jssdk-config?url=${encodeURIComponent(PAGE)}`;
  const missing = (i: number) => `${apps.urls[i % apps.urls.length]}/auth/wechat/jssdk-config`;
  emulator.resetCalls();
  progress(`${requests} config requests on an empty Redis, 50 at a time, round-robin over the processes`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < requests) {
        const i = next++;
        const res = await fetch(config(i));
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
      }
    }),
  );
  const calls = { stable_token: emulator.calls.stable_token, getticket: emulator.calls.getticket, token: emulator.calls.token };

  progress(`warm cache: ${latencyRounds} requests one at a time, config and the 400 alternating`);
  const timed = async (url: string, expected: number) => {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== expected) failures++;
    return performance.now() - t0;
  };
  for (let i = 0; i < 200; i++) await timed(i % 2 ? config(i) : missing(i), i % 2 ? 200 : 400);
  const signed: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < latencyRounds; i++) {
    signed.push(await timed(config(i), 200));
    baseline.push(await timed(missing(i), 400));
  }
  const ms = (values: number[], p: number) => round(percentile(values, p), 2);
  console.log(
    JSON.stringify(
      {
        processes: processCount,
        requests,
        wechatCalls: calls,
        wechatCallsPer1000: round(((calls.stable_token + calls.getticket + calls.token) * 1000) / requests, 2),
        warm: {
          configMs: { p50: ms(signed, 50), p99: ms(signed, 99) },
          baseline400Ms: { p50: ms(baseline, 50), p99: ms(baseline, 99) },
          addedMs: { p50: round(percentile(signed, 50) - percentile(baseline, 50), 2), p99: round(percentile(signed, 99) - percentile(baseline, 99), 2) },
        },
        failures,
      },
      null,
      2,
    ),
  );
} finally {
  await apps.stop();
  await emulator.close();
  await cluster.stop();
}
if (failures > 0) process.exit(1);
