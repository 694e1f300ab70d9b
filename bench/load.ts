import autocannon from 'autocannon';
import { alternatingOrder, median, round } from './stats.js';

export interface LoadResult {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  requests: number;
  /** Answers other than 2xx, and connection errors: both must be 0 for the figure to mean anything. */
  non2xx: number;
  errors: number;
  /** CPU time of the app's process per request, µs (null when not measured). */
  cpuUsPerRequest: number | null;
}

/**
 * GET `path` with autocannon for `seconds`, each request carrying the next session cookie in turn, so the
 * sessions are visited round-robin (a single hot session would hide per-session costs).
 */
export async function load(baseUrl: string, path: string, cookies: string[], seconds: number, connections: number): Promise<LoadResult> {
  if (cookies.length === 0) throw new Error('load(): no session cookies');
  let next = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path,
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, accept: 'application/json', cookie: cookies[next++ % cookies.length]! } }),
      },
    ],
  });
  return {
    rps: result.duration > 0 ? result.requests.total / result.duration : 0,
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest: null,
  };
}

export interface TargetLoad {
  url: string;
  path: string;
  cookies: string[];
  /** The CPU time the app's process has used, µs (Host.cpuMicros). */
  cpuMicros?: () => Promise<number>;
}

export interface Throughput {
  medianRps: number;
  medianP99Ms: number;
  /** Median over rounds of the app process's CPU µs per request. */
  medianCpuUsPerRequest: number | null;
  rounds: LoadResult[];
  non2xx: number;
  errors: number;
}

/** A warm-up per target, then `rounds` rounds of each, in alternating order; medians per target. */
export async function compareLoad<K extends string>(
  targets: Record<K, TargetLoad>,
  { warmupSeconds, seconds, rounds, connections }: { warmupSeconds: number; seconds: number; rounds: number; connections: number },
): Promise<Record<K, Throughput>> {
  const names = Object.keys(targets) as K[];
  const results = Object.fromEntries(names.map((n) => [n, [] as LoadResult[]])) as Record<K, LoadResult[]>;
  for (const name of names) {
    const t = targets[name];
    await load(t.url, t.path, t.cookies, warmupSeconds, connections);
  }
  for (const name of alternatingOrder(names, rounds)) results[name].push(await measuredLoad(targets[name], seconds, connections));
  return Object.fromEntries(names.map((n) => [n, summarize(results[n])])) as Record<K, Throughput>;
}

/** One round of load, with the app process's CPU time per request when the target can tell it. */
export async function measuredLoad(target: TargetLoad, seconds: number, connections: number): Promise<LoadResult> {
  const before = await target.cpuMicros?.();
  const result = await load(target.url, target.path, target.cookies, seconds, connections);
  const after = await target.cpuMicros?.();
  if (before === undefined || after === undefined || result.requests === 0) return result;
  return { ...result, cpuUsPerRequest: round((after - before) / result.requests, 1) };
}

export function summarize(rounds: LoadResult[]): Throughput {
  const cpu = rounds.map((r) => r.cpuUsPerRequest).filter((c): c is number => c !== null);
  return {
    medianRps: round(median(rounds.map((r) => r.rps)), 1),
    medianP99Ms: median(rounds.map((r) => r.p99Ms)),
    medianCpuUsPerRequest: cpu.length ? round(median(cpu), 1) : null,
    rounds: rounds.map((r) => ({ ...r, rps: round(r.rps, 1) })),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}
