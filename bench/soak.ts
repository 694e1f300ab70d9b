/**
 * `npm run soak [-- --minutes 10 --processes 4 --browsers 8 --think-ms 100 --expire-every-s 60]`: a long mixed
 * load on a real Redis Cluster (3 masters + 3 replicas) and N app processes behind a round-robin proxy, every
 * answer checked. Browsers log in (a random one of 500 emulator users), call a guarded route (the right user?),
 * ask for the access token, and log out (then 401?). Every `--expire-every-s` the emulator's clock jumps 2 h
 * (traffic paused at that moment, so no login straddles it) and every app process re-reads it: each session's
 * next token request refreshes, exactly once per session and expiry. Reports errors by kind, the refreshes
 * against the expected count, and each app process's memory (RSS and heap after a GC) after the warm-up and at
 * the end. Exit code 1 on any error. Not in CI (bench/README.md).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdvanceableSystemClock } from '../lib/clock.js';
import { startWechatEmulator } from '../lib/testing/index.js';
import { startAppProcesses, type ProcessMemory } from '../__tests__/helpers/app-processes.js';
import { BrowserStepError, closeBrowserConnections, fetchMe, fetchToken, logInAs, logOut, send } from '../__tests__/helpers/http-browser.js';
import { startRedisCluster } from '../__tests__/helpers/redis-cluster.js';
import { startRoundRobinProxy } from '../__tests__/helpers/round-robin-proxy.js';
import { benchUsers } from './world.js';

const HOUR_MS = 3_600_000;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, got ${process.argv[at + 1]}`);
  return value;
}
function textFlag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : (process.argv[at + 1] ?? fallback);
}

const minutes = flag('minutes', 10);
const processCount = flag('processes', 4);
const browsers = flag('browsers', 8);
const thinkMs = flag('think-ms', 100);
const expireEveryMs = flag('expire-every-s', 60) * 1000;
// The bundle runs from bench/.build/soak-<pid>/ (bench/run-bundled.mjs).
const out = textFlag('out', fileURLToPath(new URL('../../results/soak-latest.json', import.meta.url)));
const durationMs = minutes * 60_000;
const warmUpMs = Math.min(30_000, durationMs / 10);
const progress = (line: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Session {
  cookie: string;
  openid: string;
  /** The clock jump its current access token was issued after: a token request in a later one refreshes. */
  tokenEpoch: number;
  busy: boolean;
}

const counts = { logins: 0, guarded: 0, tokens: 0, logouts: 0 };
const errors = new Map<string, { count: number; example: string }>();
function recordError(error: unknown) {
  const kind = error instanceof BrowserStepError ? error.kind : `script ${(error as Error)?.name ?? 'error'}`;
  const entry = errors.get(kind) ?? { count: 0, example: String((error as Error)?.message ?? error).slice(0, 200) };
  entry.count++;
  errors.set(kind, entry);
}

progress(`starting a Redis Cluster, the emulator, ${processCount} app processes and the proxy`);
const cluster = await startRedisCluster();
const clock = createAdvanceableSystemClock();
const emulator = await startWechatEmulator({ clock, users: benchUsers(500) });
const apps = await startAppProcesses({
  count: processCount,
  seeds: cluster.seeds,
  emulator,
  script: fileURLToPath(new URL('./app-process.mjs', import.meta.url)),
  exposeGc: true,
});
const proxy = await startRoundRobinProxy(apps.urls);

const sessions: Session[] = [];
let epoch = 0;
let expectedRefreshes = 0;
let inFlight = 0;
let paused: Promise<void> | undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(list: T[]): T | undefined => list[Math.floor(Math.random() * list.length)];

/** An idle session, marked busy, so one browser's logout never races another's request on it. */
function borrow(): Session | undefined {
  for (let tries = 0; tries < 5; tries++) {
    const session = pick(sessions);
    if (session && !session.busy) {
      session.busy = true;
      return session;
    }
  }
  return undefined;
}

async function act(): Promise<void> {
  const roll = Math.random();
  if (sessions.length < 50 || roll < 0.2) {
    const user = pick(emulator.users)!;
    const { sessionCookie } = await logInAs(proxy.url, emulator.url, user.id);
    counts.logins++;
    const openid = emulator.openidFor(user.id);
    const me = await fetchMe(proxy.url, sessionCookie);
    if (me.openid !== openid) throw new BrowserStepError('me wrong user', `a new session of ${user.id} answered another user`);
    sessions.push({ cookie: sessionCookie, openid, tokenEpoch: epoch, busy: false });
    const idle = sessions.length > 2_000 ? sessions.findIndex((s) => !s.busy) : -1;
    if (idle >= 0) sessions.splice(idle, 1);
    return;
  }
  const session = borrow();
  if (!session) return;
  try {
    if (roll < 0.75) {
      const me = await fetchMe(proxy.url, session.cookie);
      counts.guarded++;
      if (me.openid !== session.openid) throw new BrowserStepError('me wrong user', 'a session answered another user');
    } else if (roll < 0.95) {
      const before = epoch;
      await fetchToken(proxy.url, session.cookie);
      counts.tokens++;
      if (session.tokenEpoch < before) {
        expectedRefreshes++;
        session.tokenEpoch = before;
      }
    } else {
      await logOut(proxy.url, session.cookie);
      counts.logouts++;
      const at = sessions.indexOf(session);
      if (at >= 0) sessions.splice(at, 1);
      const after = await send('GET', `${proxy.url}/api/me`, { accept: 'application/json', cookie: session.cookie });
      if (after.status !== 401) throw new BrowserStepError(`after logout ${after.status}`, `a logged-out session answered ${after.status}`);
    }
  } finally {
    session.busy = false;
  }
}

async function browser(until: number): Promise<void> {
  while (Date.now() < until) {
    if (paused) await paused;
    inFlight++;
    try {
      await act();
    } catch (error) {
      recordError(error);
    } finally {
      inFlight--;
    }
    await sleep(thinkMs);
  }
}

/** Pauses the browsers between two actions, moves WeChat's clock 2 h, and every app process with it. */
async function expireTokens(): Promise<void> {
  let resume!: () => void;
  paused = new Promise((resolve) => (resume = resolve));
  while (inFlight > 0) await sleep(5);
  emulator.advanceTime(2 * HOUR_MS + 60_000);
  await apps.syncClocks();
  epoch++;
  paused = undefined;
  resume();
}

const totalMb = (list: ProcessMemory[], key: keyof ProcessMemory) => list.reduce((sum, m) => sum + m[key], 0) / 2 ** 20;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

const started = Date.now();
const until = started + durationMs;
emulator.resetCalls();
progress(`${minutes} min of traffic: ${browsers} browsers, ${thinkMs} ms between actions, tokens expire every ${expireEveryMs / 1000} s`);
const running = Promise.all(Array.from({ length: browsers }, () => browser(until)));

let memoryAtStart: ProcessMemory[] = [];
const samples: { minute: number; rssMb: number; heapMb: number }[] = [];
const sampler = (async () => {
  await sleep(warmUpMs);
  memoryAtStart = await apps.memory();
  samples.push({ minute: +(warmUpMs / 60_000).toFixed(2), rssMb: totalMb(memoryAtStart, 'rss'), heapMb: totalMb(memoryAtStart, 'heapUsed') });
  let nextExpiry = started + expireEveryMs;
  let nextSample = started + 60_000;
  while (Date.now() < until - 1_000) {
    await sleep(250);
    if (Date.now() >= nextExpiry && Date.now() < until - 1_000) {
      await expireTokens();
      nextExpiry += expireEveryMs;
    }
    if (Date.now() >= nextSample) {
      const memory = await apps.memory();
      const minute = Math.round((Date.now() - started) / 60_000);
      samples.push({ minute, rssMb: totalMb(memory, 'rss'), heapMb: totalMb(memory, 'heapUsed') });
      const failed = [...errors.values()].reduce((sum, e) => sum + e.count, 0);
      progress(
        `minute ${minute}: ${counts.logins} logins, ${counts.guarded} guarded, ${counts.tokens} token, ${counts.logouts} logouts, ` +
          `${failed} errors; RSS ${totalMb(memory, 'rss').toFixed(1)} MB, heap ${totalMb(memory, 'heapUsed').toFixed(1)} MB (all processes)`,
      );
      nextSample += 60_000;
    }
  }
})();
await Promise.all([running, sampler]);
const elapsedS = (Date.now() - started) / 1000;
const memoryAtEnd = await apps.memory();
const refreshes = emulator.calls.refresh_token;
const keysPerMaster = await Promise.all((await cluster.masters()).map(async (m) => Number(await cluster.nodeClient(m.port).dbsize())));

const failed = [...errors.values()].reduce((sum, e) => sum + e.count, 0);
const requests = proxy.forwarded.reduce((a, b) => a + b, 0);
const report = {
  minutes: +(elapsedS / 60).toFixed(2),
  processes: processCount,
  browsers,
  thinkMs,
  counts,
  requestsThroughProxy: requests,
  requestsPerSec: +(requests / elapsedS).toFixed(1),
  forwardedPerProcess: proxy.forwarded,
  tokenExpiries: epoch,
  refreshes,
  expectedRefreshes,
  errors: failed,
  errorsByKind: Object.fromEntries(errors),
  memory: memoryAtStart.map((start, i) => ({ process: i, start, end: memoryAtEnd[i] })),
  memoryTotalsMb: samples,
  keysPerMaster,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

const lines = [
  `soak: ${report.minutes} min on a Redis Cluster (3 masters + 3 replicas), ${processCount} app processes behind a round-robin proxy, ${browsers} browsers`,
  `actions: ${counts.logins} logins, ${counts.guarded} guarded requests, ${counts.tokens} token requests, ${counts.logouts} logouts ` +
    `(${report.requestsThroughProxy} requests through the proxy, ${proxy.forwarded.join(' / ')} per process; ${report.requestsPerSec} requests/s)`,
  `token expiries: ${epoch}; refresh_token calls: ${refreshes} (expected ${expectedRefreshes}: one per session and expiry)`,
  `errors: ${failed}${failed ? ` — ${[...errors].map(([kind, e]) => `${kind}: ${e.count} (e.g. ${e.example})`).join('; ')}` : ''}`,
  `memory per app process (after a GC), after the ${Math.round(warmUpMs / 1000)} s warm-up → at the end:`,
  ...report.memory.map(
    ({ process: i, start, end }) => `  process ${i}: RSS ${mb(start.rss)} → ${mb(end!.rss)}, heap used ${mb(start.heapUsed)} → ${mb(end!.heapUsed)}`,
  ),
  `all processes, per minute: ${samples.map((s) => `${s.minute}′ RSS ${s.rssMb.toFixed(0)} MB / heap ${s.heapMb.toFixed(1)} MB`).join(', ')}`,
  `keys per master at the end: ${keysPerMaster.join(' / ')}`,
  `report: ${out}`,
];
process.stdout.write(`${lines.join('\n')}\n`);

await proxy.close();
closeBrowserConnections();
await apps.stop();
await emulator.close();
await cluster.stop();
process.exit(failed === 0 && refreshes === expectedRefreshes ? 0 : 1);
