/**
 * `npm run bench [-- --quick] [-- --out FILE]`: every section in one run, a JSON report (default
 * bench/results/latest.json) and a Markdown table on stdout. Progress goes to stderr. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMainWorld } from './context.js';
import { closeConnections } from './http.js';
import { PROFILES, type Profile } from './profile.js';
import { ratio, toMarkdown, type BenchReport } from './report.js';
import { measureGrowth } from './sections/growth.js';
import { measureGuard } from './sections/guard.js';
import { measureLoginRates } from './sections/logins.js';
import { measureRedisCommands } from './sections/redis-commands.js';
import { measureSingleFlight } from './sections/single-flight.js';
import { measureWechatCalls } from './sections/wechat-calls.js';
import { startBench } from './world.js';

/** The checkout this bundle was built from (it runs from bench/.build/run-<pid>/). */
const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'bench/bench.mjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the repository root (bench/bench.mjs)');
    dir = parent;
  }
  return dir;
})();

function parseArgs(argv: string[]): { profile: Profile; out: string } {
  let profile = PROFILES.full;
  let out = resolve(repoRoot, 'bench/results/latest.json');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') profile = PROFILES.quick;
    else if (arg === '--out' && argv[i + 1]) out = resolve(argv[++i]!);
    else throw new TypeError(`bench: unknown argument ${JSON.stringify(arg)}; use --quick and/or --out FILE`);
  }
  return { profile, out };
}

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function commit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'example-app'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted lib/example-app changes` : head;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { profile, out } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const bench = await startBench(Math.max(100, profile.sessions));
  try {
    const world = await startMainWorld(bench, profile, progress);
    const redisVersion = /^redis_version:(\S+)/m.exec(await world.stats.info('server'))?.[1] ?? 'unknown';

    progress('§1/§7 guarded GET /api/me: bare, ours, passport-wechat');
    const { guard, passport: passportGuarded } = await measureGuard(world);
    progress('§5/§7 logins per second: ours, example app, passport-wechat');
    const { logins, passport: passportLogins } = await measureLoginRates(world);
    progress('§3 WeChat calls per login');
    const wechatCalls = await measureWechatCalls(world);
    progress('§2 Redis commands per operation');
    const redisCommands = await measureRedisCommands(world);
    await world.host.stop();
    progress(`§4 refresh single flight over ${profile.singleFlight.processes} processes`);
    const singleFlight = await measureSingleFlight(bench, world.redisServer, profile);
    progress(`§6 growth: ${profile.growth.steps.join(', ')} stored sessions`);
    const growth = await measureGrowth(bench, profile, progress);

    const report: BenchReport = {
      meta: {
        profile: profile.name,
        startedAt: new Date(started).toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
        node: process.version,
        redis: redisVersion,
        cpus: cpus().length,
        commit: commit(),
      },
      guard,
      redisCommands,
      wechatCalls,
      singleFlight,
      logins,
      growth,
      passport: {
        loginsPerSecRatio: ratio(passportLogins.medianLoginsPerSec, logins.ours.medianLoginsPerSec),
        guardedRpsRatio: ratio(passportGuarded.medianRps, guard.ours.medianRps),
        guardedP99Ratio: ratio(passportGuarded.medianP99Ms, guard.ours.medianP99Ms),
        guardedCpuRatio: ratio(passportGuarded.medianCpuUsPerRequest ?? NaN, guard.ours.medianCpuUsPerRequest ?? NaN),
        cpuPerLoginRatio: ratio(passportLogins.medianCpuUsPerLogin, logins.ours.medianCpuUsPerLogin),
        logins: passportLogins,
        guarded: passportGuarded,
        redisCommandsPerGuardedRequest: redisCommands.operations.passportGuardedRequest.total,
        redisCommandsPerLogin: redisCommands.operations.passportLogin.total,
        wechatCallsPerLogin: wechatCalls.passportUserinfo.api,
      },
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    progress(`report written to ${out}`);
    process.stdout.write(`${toMarkdown(report)}\n`);
  } finally {
    closeConnections();
    await bench.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
