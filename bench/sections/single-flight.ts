import type { TestRedisServer } from '../../__tests__/helpers/redis-server.js';
import { get } from '../http.js';
import { logIn } from '../logins.js';
import type { Profile } from '../profile.js';
import { percentile, round } from '../stats.js';
import type { LatencySummary, SingleFlightReport } from '../report.js';
import type { Bench, Host } from '../world.js';

const TWO_HOURS_MS = 2 * 3600 * 1000;

/**
 * §4: one session, its access token expired, `requests` concurrent token requests spread over `processes`
 * processes (each its own createWechatLogin on the same Redis): WeChat must see one refresh. Each trial is
 * preceded by the same burst on a fresh token, the baseline for the waiters' added latency.
 */
export async function measureSingleFlight(bench: Bench, redis: TestRedisServer, profile: Profile): Promise<SingleFlightReport> {
  const { processes, requests, trials } = profile.singleFlight;
  const hosts: Host[] = await Promise.all(Array.from({ length: processes }, () => bench.startHost(redis, ['ours'])));
  try {
    const urls = hosts.map((h) => h.url('ours'));
    const { sessionCookie } = await logIn(urls[0]!, bench.emulator, bench.emulator.users[0]!.id);
    const burst = () => fire(urls, sessionCookie, requests);
    // Opens the connections and warms every process's code paths, the refresh included.
    await burst();
    await bench.advance(TWO_HOURS_MS);
    await burst();

    const fresh: number[] = [];
    const expired: number[] = [];
    const refreshCallsPerTrial: number[] = [];
    const distinctTokensPerTrial: number[] = [];
    let okRequests = 0;
    for (let t = 0; t < trials; t++) {
      fresh.push(...(await burst()).map((a) => a.ms));
      await bench.advance(TWO_HOURS_MS);
      bench.emulator.resetCalls();
      const answers = await burst();
      refreshCallsPerTrial.push(bench.emulator.calls.refresh_token);
      expired.push(...answers.map((a) => a.ms));
      const ok = answers.filter((a) => a.status === 200);
      okRequests += ok.length;
      distinctTokensPerTrial.push(new Set(ok.map((a) => a.token)).size);
    }
    const summary = (values: number[]): LatencySummary => ({ p50Ms: round(percentile(values, 50), 1), p99Ms: round(percentile(values, 99), 1) });
    const f = summary(fresh);
    const e = summary(expired);
    return {
      processes,
      requests,
      trials,
      refreshCallsPerTrial,
      okRequests,
      distinctTokensPerTrial,
      fresh: f,
      expired: e,
      added: { p50Ms: round(e.p50Ms - f.p50Ms, 1), p99Ms: round(e.p99Ms - f.p99Ms, 1) },
    };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

interface Answer {
  status: number;
  token: string | undefined;
  ms: number;
}

/** `count` token requests at once, request i to process i mod n. */
async function fire(urls: string[], cookie: string, count: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const started = performance.now();
      const res = await get(`${urls[i % urls.length]}/api/token`, { cookie, accept: 'application/json' });
      const ms = performance.now() - started;
      const token = res.status === 200 ? (JSON.parse(res.body) as { token?: string }).token : undefined;
      return { status: res.status, token, ms };
    }),
  );
}
