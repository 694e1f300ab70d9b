import type { MainWorld } from '../context.js';
import { compareLoad, type Throughput } from '../load.js';
import { ratio, type GuardReport } from '../report.js';

/**
 * §1 (and the guarded half of §7): GET /api/me under autocannon, sessions visited round-robin, on ours
 * (requireWechatUser), on bare express-session + connect-redis and on passport-wechat, rounds alternating.
 */
export async function measureGuard(world: MainWorld): Promise<{ guard: GuardReport; passport: Throughput }> {
  const { profile, host, cookies } = world;
  const target = (app: 'bare' | 'ours' | 'passport') => ({ url: host.url(app), path: '/api/me', cookies: cookies[app], cpuMicros: host.cpuMicros });
  const results = await compareLoad(
    { bare: target('bare'), ours: target('ours'), passport: target('passport') },
    { warmupSeconds: profile.warmupSeconds, seconds: profile.roundSeconds, rounds: profile.rounds, connections: profile.connections },
  );
  return {
    guard: {
      sessions: cookies.ours.length,
      connections: profile.connections,
      rounds: profile.rounds,
      roundSeconds: profile.roundSeconds,
      bare: results.bare,
      ours: results.ours,
      rpsRatio: ratio(results.ours.medianRps, results.bare.medianRps),
      p99Ratio: ratio(results.ours.medianP99Ms, results.bare.medianP99Ms),
      cpuRatio: ratio(results.ours.medianCpuUsPerRequest ?? NaN, results.bare.medianCpuUsPerRequest ?? NaN),
    },
    passport: results.passport,
  };
}
