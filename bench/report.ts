import type { Throughput } from './load.js';
import type { CommandCount } from './redis-stats.js';
import { round } from './stats.js';

/** Every figure is a ratio or a count measured side by side in one run: absolute numbers move with the machine. */
export interface BenchReport {
  meta: {
    profile: 'full' | 'quick';
    startedAt: string;
    seconds: number;
    node: string;
    redis: string;
    cpus: number;
    commit: string | null;
  };
  guard: GuardReport;
  redisCommands: RedisCommandsReport;
  wechatCalls: WechatCallsReport;
  singleFlight: SingleFlightReport;
  logins: LoginsReport;
  growth: GrowthReport;
  passport: PassportReport;
}

export interface GuardReport {
  sessions: number;
  connections: number;
  rounds: number;
  roundSeconds: number;
  bare: Throughput;
  ours: Throughput;
  /** ours / bare */
  rpsRatio: number;
  p99Ratio: number;
  /** ours / bare, CPU µs of the app process per request: steadier than req/s on a shared machine. */
  cpuRatio: number;
}

export interface OperationCommands extends CommandCount {
  /** Round trips to Redis (commands a client sent; a script is one), from MONITOR over one operation. */
  roundTrips: number;
  /** The commands of one operation in order, script bodies' commands indented. */
  commands: string[];
}

export interface RedisCommandsReport {
  opsAveraged: number;
  operations: Record<'guardedRequest' | 'login' | 'refresh' | 'logout' | 'bareGuardedRequest' | 'passportGuardedRequest' | 'passportLogin', OperationCommands>;
}

export interface WechatCalls {
  /** Server-side calls to api.weixin.qq.com (access_token, userinfo, refresh_token, auth). */
  api: number;
  byEndpoint: Record<string, number>;
  /** The browser's visits to the authorize page (not a server call). */
  authorizePage: number;
  callbackStatus: number;
}

export interface WechatCallsReport {
  snsapiBase: WechatCalls;
  snsapiUserinfo: WechatCalls;
  repeatedCallback: WechatCalls;
  passportUserinfo: WechatCalls;
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
}

export interface SingleFlightReport {
  processes: number;
  requests: number;
  trials: number;
  /** WeChat refresh_token calls in each trial (50 requests after expiry): expect 1 each. */
  refreshCallsPerTrial: number[];
  /** Requests answered 200 with the same access token, over all trials. */
  okRequests: number;
  distinctTokensPerTrial: number[];
  fresh: LatencySummary;
  expired: LatencySummary;
  /** expired − fresh: what waiting on another process's refresh costs. */
  added: LatencySummary;
}

export interface LoginRateSummary {
  medianLoginsPerSec: number;
  /** CPU µs of the app's process per completed login (the emulator runs elsewhere). */
  medianCpuUsPerLogin: number;
  rounds: number[];
  completed: number;
  failed: number;
}

export interface LoginsReport {
  concurrency: number;
  rounds: number;
  roundSeconds: number;
  ours: LoginRateSummary;
  /** example-app/app.ts (createExampleApp) on the same Redis and emulator. */
  exampleApp: LoginRateSummary;
  /** example app / ours */
  exampleAppRatio: number;
  /** New keys in Redis per completed login of ours (sessions, grants, users, code outcomes). */
  redisKeysPerLogin: number;
}

export interface GrowthStep {
  sessions: number;
  rps: number;
  p99Ms: number;
  cpuUsPerRequest: number | null;
  /** rps / rps of the first step */
  rpsRatio: number;
  usedMemory: number;
  /** (used_memory − used_memory before the copies) / copies written */
  bytesPerSession: number;
  non2xx: number;
}

export interface GrowthReport {
  visitedSessions: number;
  steps: GrowthStep[];
  /** MEMORY USAGE of one real session's keys (the session string, its grant hash). */
  sessionKeyBytes: number;
  grantKeyBytes: number | null;
  keysPerSession: number;
}

export interface PassportReport {
  /** passport / ours */
  loginsPerSecRatio: number;
  cpuPerLoginRatio: number;
  guardedRpsRatio: number;
  guardedP99Ratio: number;
  guardedCpuRatio: number;
  logins: LoginRateSummary;
  guarded: Throughput;
  redisCommandsPerGuardedRequest: number;
  redisCommandsPerLogin: number;
  wechatCallsPerLogin: number;
}

export function ratio(a: number, b: number): number {
  return b === 0 ? NaN : round(a / b, 3);
}

/** The short table printed at the end of a run. */
export function toMarkdown(r: BenchReport): string {
  const g = r.guard;
  const c = r.redisCommands.operations;
  const w = r.wechatCalls;
  const s = r.singleFlight;
  const l = r.logins;
  const p = r.passport;
  const cmd = (o: OperationCommands) => `${o.total} (${o.roundTrips} round trip${o.roundTrips === 1 ? '' : 's'}): ${names(o.byCommand)}`;
  const growthRows = r.growth.steps.map(
    (step) =>
      `| 6 | ${step.sessions.toLocaleString('en')} sessions stored | ${step.rps} req/s (×${step.rpsRatio} of first), p99 ${step.p99Ms} ms, ${step.cpuUsPerRequest} µs CPU/request, used_memory ${mb(step.usedMemory)}, ${step.bytesPerSession} B/session |`,
  );
  const rows = [
    `| 1 | guarded GET /api/me, ours / bare express-session | req/s ×${g.rpsRatio} (${g.ours.medianRps} vs ${g.bare.medianRps}), p99 ×${g.p99Ratio} (${g.ours.medianP99Ms} vs ${g.bare.medianP99Ms} ms), CPU/request ×${g.cpuRatio} (${g.ours.medianCpuUsPerRequest} vs ${g.bare.medianCpuUsPerRequest} µs) |`,
    `| 2 | Redis commands: guarded request | ${cmd(c.guardedRequest)} |`,
    `| 2 | … bare express-session request | ${cmd(c.bareGuardedRequest)} |`,
    `| 2 | … login (login + callback) | ${cmd(c.login)} |`,
    `| 2 | … refresh (request after expiry) | ${cmd(c.refresh)} |`,
    `| 2 | … logout | ${cmd(c.logout)} |`,
    `| 3 | WeChat API calls per login: snsapi_base / snsapi_userinfo / repeated callback | ${w.snsapiBase.api} / ${w.snsapiUserinfo.api} / ${w.repeatedCallback.api} (callback ${w.repeatedCallback.callbackStatus}) |`,
    `| 4 | refresh calls for ${s.requests} requests over ${s.processes} processes, per trial | ${s.refreshCallsPerTrial.join(', ')} (${s.okRequests}/${s.requests * s.trials} ok, tokens per trial ${s.distinctTokensPerTrial.join(', ')}) |`,
    `| 4 | added latency of waiters (expired − fresh) | p50 +${s.added.p50Ms} ms, p99 +${s.added.p99Ms} ms (fresh ${s.fresh.p50Ms}/${s.fresh.p99Ms}, expired ${s.expired.p50Ms}/${s.expired.p99Ms}) |`,
    `| 5 | complete logins/s (${l.concurrency} browsers) | ours ${l.ours.medianLoginsPerSec} (${l.ours.medianCpuUsPerLogin} µs CPU/login), example app ×${l.exampleAppRatio} (${l.exampleApp.medianLoginsPerSec}); ${l.redisKeysPerLogin} new Redis keys per login |`,
    ...growthRows,
    `| 6 | MEMORY USAGE of one session | session key ${r.growth.sessionKeyBytes} B (target < 1 KB: ${r.growth.sessionKeyBytes < 1024 ? 'met' : 'missed'})${r.growth.grantKeyBytes === null ? '' : `, grant ${r.growth.grantKeyBytes} B`} (${r.growth.keysPerSession} keys) |`,
    `| 7 | passport-wechat / ours: logins/s, CPU/login | ×${p.loginsPerSecRatio} (${p.logins.medianLoginsPerSec} vs ${l.ours.medianLoginsPerSec}), CPU ×${p.cpuPerLoginRatio} |`,
    `| 7 | passport-wechat / ours: guarded req/s, p99, CPU/request | ×${p.guardedRpsRatio} (${p.guarded.medianRps} vs ${g.ours.medianRps}), p99 ×${p.guardedP99Ratio}, CPU ×${p.guardedCpuRatio} |`,
    `| 7 | passport-wechat: Redis commands per guarded request / per login; WeChat calls per login | ${p.redisCommandsPerGuardedRequest} / ${p.redisCommandsPerLogin}; ${p.wechatCallsPerLogin} |`,
  ];
  return [
    `Benchmark (${r.meta.profile}, ${r.meta.seconds} s, node ${r.meta.node}, redis ${r.meta.redis}, ${r.meta.cpus} CPUs${r.meta.commit ? `, ${r.meta.commit}` : ''})`,
    '',
    '| § | measure | value |',
    '| - | - | - |',
    ...rows,
    '',
    'Redis commands of one guarded request (MONITOR):',
    ...c.guardedRequest.commands.map((line) => `    ${line}`),
  ].join('\n');
}

function names(byCommand: Record<string, number>): string {
  return Object.entries(byCommand)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name}${n === 1 ? '' : `×${n}`}`)
    .join(' ');
}

function mb(bytes: number): string {
  return `${round(bytes / 1024 / 1024, 1)} MB`;
}
