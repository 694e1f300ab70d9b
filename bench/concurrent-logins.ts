/**
 * `npm run bench:logins [-- --logins 1000 --processes 4]`: that many whole logins started at the same moment,
 * each a different emulator user from a different client address, through a round-robin proxy in front of N app
 * processes on a real Redis Cluster (3 masters + 3 replicas). Every login must end with a session that the guarded
 * route serves as its own user; reports errors by kind (expected: none), wall time and latency percentiles, and
 * exits 1 on any error. Too slow and too heavy for CI: a script, as the benchmark is (bench/README.md).
 */
import { fileURLToPath } from 'node:url';
import { createAdvanceableSystemClock } from '../lib/clock.js';
import { startWechatEmulator } from '../lib/testing/index.js';
import { startAppProcesses } from '../__tests__/helpers/app-processes.js';
import { BrowserStepError, closeBrowserConnections, fetchMe, logInAs } from '../__tests__/helpers/http-browser.js';
import { startRedisCluster } from '../__tests__/helpers/redis-cluster.js';
import { startRoundRobinProxy } from '../__tests__/helpers/round-robin-proxy.js';
import { percentile } from './stats.js';
import { benchUsers } from './world.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive whole number, got ${process.argv[at + 1]}`);
  return value;
}

const loginCount = flag('logins', 1000);
const processCount = flag('processes', 4);
const progress = (line: string) => process.stderr.write(`[logins] ${line}\n`);

const errors = new Map<string, number>();
const examples = new Map<string, string>();
function recordError(error: unknown) {
  const kind = error instanceof BrowserStepError ? error.kind : `script ${(error as Error)?.name}`;
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
  if (!examples.has(kind)) examples.set(kind, String((error as Error)?.message ?? error).slice(0, 200));
}

progress(`starting a Redis Cluster, the emulator (${loginCount} users), ${processCount} app processes and the proxy`);
const cluster = await startRedisCluster();
const emulator = await startWechatEmulator({ clock: createAdvanceableSystemClock(), users: benchUsers(loginCount) });
const apps = await startAppProcesses({
  count: processCount,
  seeds: cluster.seeds,
  emulator,
  // The bundle runs from bench/.build/logins-<pid>/ beside the bundled app process (bench/run-bundled.mjs).
  script: fileURLToPath(new URL('./app-process.mjs', import.meta.url)),
});
const proxy = await startRoundRobinProxy(apps.urls);

// A few logins first on every process: connections opened, scripts loaded, code warm.
for (let i = 0; i < processCount * 2; i++) await logInAs(proxy.url, emulator.url, emulator.users[i]!.id);
const warmUpForwarded = proxy.forwarded.reduce((a, b) => a + b, 0);

progress(`${loginCount} logins at once`);
const latencies: number[] = [];
const started = performance.now();
const results = await Promise.all(
  emulator.users.slice(0, loginCount).map(async (user) => {
    const t0 = performance.now();
    try {
      const login = await logInAs(proxy.url, emulator.url, user.id);
      latencies.push(performance.now() - t0);
      return { user: user.id, login };
    } catch (error) {
      recordError(error);
      return undefined;
    }
  }),
);
const wallMs = performance.now() - started;
const completed = results.filter((r) => r !== undefined);

progress(`checking every session: the guarded route, through the proxy, as its own user`);
let verified = 0;
await Promise.all(
  completed.map(async ({ user, login }) => {
    try {
      const me = await fetchMe(proxy.url, login.sessionCookie);
      if (me.openid !== emulator.openidFor(user)) throw new BrowserStepError('me wrong user', `${user}'s session answered another user`);
      verified++;
    } catch (error) {
      recordError(error);
    }
  }),
);
const distinctSessions = new Set(completed.map((r) => r.login.sessionCookie)).size;
const crossProcess = completed.filter((r) => r.login.loginServedBy !== r.login.callbackServedBy).length;
const sessionKeys = (
  await Promise.all((await cluster.masters()).map(async (m) => (await cluster.nodeClient(m.port).keys('*:sess:*')).length))
);

const failed = [...errors.values()].reduce((a, b) => a + b, 0);
const ms = (value: number) => `${Math.round(value)} ms`;
const lines = [
  `${loginCount} concurrent logins through a round-robin proxy, ${processCount} app processes, Redis Cluster (3 masters + 3 replicas)`,
  `completed: ${completed.length}/${loginCount}, sessions served as their own user: ${verified}, distinct sessions: ${distinctSessions}, ` +
    `callback on another process than /login: ${crossProcess}`,
  `errors: ${failed}${failed ? ` — ${[...errors].map(([kind, n]) => `${kind}: ${n} (e.g. ${examples.get(kind)})`).join('; ')}` : ''}`,
  `wall time ${ms(wallMs)} (${(completed.length / (wallMs / 1000)).toFixed(0)} logins/s); per login p50 ${ms(percentile(latencies, 50))}, ` +
    `p95 ${ms(percentile(latencies, 95))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`,
  `requests per process: ${proxy.forwarded.join(' / ')} (after ${warmUpForwarded} warm-up requests); session keys per master: ${sessionKeys.join(' / ')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);

await proxy.close();
closeBrowserConnections();
await apps.stop();
await emulator.close();
await cluster.stop();
process.exit(failed === 0 && verified === loginCount ? 0 : 1);
