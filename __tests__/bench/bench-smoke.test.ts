import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../../bench/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run bench -- --quick --out FILE`, as a separate process; resolves with its stdout. */
function runQuickBench(out: string): Promise<string> {
  // Jest's --experimental-vm-modules is not for the benchmark's processes.
  const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
  const child = spawn(process.execPath, [join(root, 'bench/bench.mjs'), '--quick', '--out', out], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`bench exited ${code}:\n${stderr}\n${stdout}`))));
  });
}

const positive = (n: number) => expect(n).toBeGreaterThan(0);
const finite = (n: number) => expect(Number.isFinite(n)).toBe(true);

// Numbers belong in the benchmark: this only checks that every section ran and produced sane values.
describe('npm run bench -- --quick', () => {
  it('writes a report with every section and prints the table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    try {
      const out = join(dir, 'report.json');
      const stdout = await runQuickBench(out);
      const report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;

      expect(report.meta.profile).toBe('quick');
      expect(stdout).toContain('| § | measure | value |');

      const { guard } = report;
      for (const t of [guard.bare, guard.ours, report.passport.guarded]) {
        positive(t.medianRps);
        expect(t.non2xx + t.errors).toBe(0);
      }
      finite(guard.rpsRatio);
      finite(guard.p99Ratio);
      finite(guard.cpuRatio);

      for (const op of Object.values(report.redisCommands.operations)) {
        positive(op.total);
        positive(op.roundTrips);
        expect(op.commands.length).toBeGreaterThan(0);
      }

      expect(report.wechatCalls.snsapiBase.api).toBe(1);
      expect(report.wechatCalls.snsapiUserinfo.api).toBe(2);
      expect(report.wechatCalls.repeatedCallback.api).toBe(0);
      expect(report.wechatCalls.passportUserinfo.api).toBe(2);

      const flight = report.singleFlight;
      expect(flight.refreshCallsPerTrial).toEqual(Array(flight.trials).fill(1));
      expect(flight.okRequests).toBe(flight.requests * flight.trials);
      expect(flight.distinctTokensPerTrial).toEqual(Array(flight.trials).fill(1));
      finite(flight.added.p50Ms);
      finite(flight.added.p99Ms);

      for (const rate of [report.logins.ours, report.logins.exampleApp, report.passport.logins]) {
        positive(rate.medianLoginsPerSec);
        positive(rate.medianCpuUsPerLogin);
        expect(rate.failed).toBe(0);
      }
      finite(report.logins.exampleAppRatio);
      positive(report.logins.redisKeysPerLogin);

      expect(report.growth.steps.map((s) => s.sessions)).toEqual([...report.growth.steps.map((s) => s.sessions)].sort((a, b) => a - b));
      for (const step of report.growth.steps) {
        positive(step.rps);
        positive(step.usedMemory);
        positive(step.bytesPerSession);
        finite(step.rpsRatio);
        expect(step.non2xx).toBe(0);
      }
      positive(report.growth.sessionKeyBytes);

      const p = report.passport;
      for (const r of [p.loginsPerSecRatio, p.cpuPerLoginRatio, p.guardedRpsRatio, p.guardedP99Ratio, p.guardedCpuRatio]) finite(r);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
