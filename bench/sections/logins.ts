import type { MainWorld } from '../context.js';
import { measureLogins, type LoginRate } from '../logins.js';
import { ratio, type LoginRateSummary, type LoginsReport } from '../report.js';
import { alternatingOrder, median, round } from '../stats.js';

type Target = 'ours' | 'example' | 'passport';

/**
 * §5 (and the login half of §7): complete logins per second, `concurrency` browsers logging in back to back,
 * on ours, on the example app and on passport-wechat, rounds alternating.
 */
export async function measureLoginRates(world: MainWorld): Promise<{ logins: LoginsReport; passport: LoginRateSummary }> {
  const { host, bench, profile, stats } = world;
  const { concurrency, seconds, rounds } = profile.login;
  const targets: Target[] = ['ours', 'example', 'passport'];
  const results: Record<Target, (LoginRate & { cpuUsPerLogin: number })[]> = { ours: [], example: [], passport: [] };
  for (const t of targets) await measureLogins(host.url(t), bench.emulator, profile.warmupSeconds, concurrency);

  let oursKeysAdded = 0;
  for (const t of alternatingOrder(targets, rounds)) {
    const keysBefore = t === 'ours' ? await stats.dbsize() : 0;
    const cpuBefore = await host.cpuMicros();
    const rate = await measureLogins(host.url(t), bench.emulator, seconds, concurrency);
    const cpuUsPerLogin = rate.completed ? round(((await host.cpuMicros()) - cpuBefore) / rate.completed, 0) : NaN;
    if (t === 'ours') oursKeysAdded += (await stats.dbsize()) - keysBefore;
    results[t].push({ ...rate, cpuUsPerLogin });
  }
  const summary = (list: (LoginRate & { cpuUsPerLogin: number })[]): LoginRateSummary => ({
    medianLoginsPerSec: round(median(list.map((r) => r.loginsPerSec)), 1),
    medianCpuUsPerLogin: median(list.map((r) => r.cpuUsPerLogin)),
    rounds: list.map((r) => round(r.loginsPerSec, 1)),
    completed: list.reduce((s, r) => s + r.completed, 0),
    failed: list.reduce((s, r) => s + r.failed, 0),
  });
  const ours = summary(results.ours);
  const exampleApp = summary(results.example);
  return {
    logins: {
      concurrency,
      rounds,
      roundSeconds: seconds,
      ours,
      exampleApp,
      exampleAppRatio: ratio(exampleApp.medianLoginsPerSec, ours.medianLoginsPerSec),
      redisKeysPerLogin: ours.completed ? round(oursKeysAdded / ours.completed, 2) : NaN,
    },
    passport: summary(results.passport),
  };
}
