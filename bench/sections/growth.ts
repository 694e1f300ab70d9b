import { sessionIdOf } from '../http.js';
import { load, measuredLoad, summarize, type LoadResult } from '../load.js';
import { logInMany } from '../logins.js';
import type { Profile } from '../profile.js';
import { memoryUsage, readSessionTemplate, usedMemory, writeSessionCopies } from '../redis-stats.js';
import { ratio, type GrowthReport, type GrowthStep } from '../report.js';
import { round } from '../stats.js';
import type { Bench } from '../world.js';

/**
 * §6: guarded req/s and Redis memory as stored sessions grow. A Redis and an app process of its own; the
 * visited sessions are real logins, the rest are copies of a real session's keys written with pipelines.
 */
export async function measureGrowth(bench: Bench, profile: Profile, progress: (line: string) => void): Promise<GrowthReport> {
  const redisServer = await bench.startRedis();
  const redis = redisServer.client();
  const host = await bench.startHost(redisServer, ['ours']);
  try {
    const url = host.url('ours');
    const visited = await logInMany(url, bench.emulator, profile.sessions);
    const template = await readSessionTemplate(redis, sessionIdOf(visited[0]!));
    const sessionKey = template.keys.find((k) => k.type === 'string')!.key;
    const grantKey = template.keys.find((k) => k.type === 'hash')?.key;
    const sessionKeyBytes = (await memoryUsage(redis, sessionKey)) ?? NaN;
    const grantKeyBytes = grantKey ? await memoryUsage(redis, grantKey) : null;

    // Warm the process up on the visited sessions before the first measured step.
    await load(url, '/api/me', visited, profile.warmupSeconds, profile.connections);
    const baseline = await usedMemory(redis);
    const visits = { url, path: '/api/me', cookies: visited, cpuMicros: host.cpuMicros };
    const steps: GrowthStep[] = [];
    let stored = visited.length;
    for (const target of profile.growth.steps) {
      if (target > stored) {
        progress(`  writing ${(target - stored).toLocaleString('en')} sessions`);
        await writeSessionCopies(redis, template, target - stored);
        stored = target;
      }
      const memory = await usedMemory(redis);
      const rounds: LoadResult[] = [];
      for (let r = 0; r < profile.growth.rounds; r++) rounds.push(await measuredLoad(visits, profile.growth.seconds, profile.connections));
      const t = summarize(rounds);
      steps.push({
        sessions: stored,
        rps: t.medianRps,
        p99Ms: t.medianP99Ms,
        cpuUsPerRequest: t.medianCpuUsPerRequest,
        rpsRatio: steps.length ? ratio(t.medianRps, steps[0]!.rps) : 1,
        usedMemory: memory,
        bytesPerSession: round((memory - baseline) / Math.max(1, stored - visited.length), 0),
        non2xx: t.non2xx + t.errors,
      });
    }
    return { visitedSessions: visited.length, steps, sessionKeyBytes, grantKeyBytes, keysPerSession: template.keys.length };
  } finally {
    await host.stop();
  }
}
