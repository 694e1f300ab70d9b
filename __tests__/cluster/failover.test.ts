import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorRequestHandler, Express } from 'express';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import calculateSlot from 'cluster-key-slot';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { CLUSTER_OPTIONS } from '../../lib/store/redis-client.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { buildApp, login } from '../helpers/login-app.js';
import type { ClusterNodeProcess } from '../helpers/redis-cluster.js';
import { HOUR_MS, sessionCookieFrom, tokenTestRoutes } from '../tokens/token-helpers.js';
import { reportFigure } from '../helpers/figures.js';

const json = { Accept: 'application/json' };
const BROWSERS = 24;
/** "A few seconds": no request may take longer, however the failover goes (commandTimeout is 3 s). */
const MAX_REQUEST_MS = 4_500;

let world: ClusterWorld;
let instances: WechatLogin[];
let apps: Express[];
/** Logged in before any failure, each with its openid and session id. */
let browsers: { cookie: string; openid: string; sid: string }[];

beforeAll(async () => {
  world = await startClusterWorld();
  instances = [
    createWechatLogin(world.options(), { warn: () => undefined }),
    createWechatLogin(world.options({ redis: world.cluster.client(CLUSTER_OPTIONS) }), { warn: () => undefined }),
  ];
  apps = instances.map((wechat) => buildApp(wechat, recordingStoreErrors));
  browsers = await Promise.all(
    Array.from({ length: BROWSERS }, async (_, i) => {
      const user = i % 2 ? 'alice' : 'bob';
      const { callback } = await login(request.agent(apps[i % 2]!), world.emulator, { user });
      const cookie = sessionCookieFrom(callback);
      const sid = decodeURIComponent(cookie.slice('wechat.sid='.length)).slice(2).split('.')[0]!;
      return { cookie, openid: world.emulator.openidFor(user), sid };
    }),
  );
  // The logins above ran with the helper's steadier node timeout (on a loaded machine a 1 s one can fail a
  // master over in the middle of them); a quick failover from here on.
  await world.cluster.setNodeTimeout(1_000);
}, 60_000); // a cluster starts in about 3 s, much slower on a busy machine
afterAll(async () => {
  for (const wechat of instances ?? []) await wechat.close();
  await world?.stop();
}, 30_000);

/** The summaries (causes) of the errors our 503s carried, since the last failure began. */
const causes: string[] = [];
function recordingStoreErrors(app: Express): void {
  tokenTestRoutes(app);
  const record: ErrorRequestHandler = (error, _req, _res, next) => {
    causes.push((error as { cause?: Error }).cause?.message ?? String(error));
    next(error);
  };
  app.use(record);
}

interface Answer {
  at: number;
  ms: number;
  status: number;
  text: string;
  onVictim: boolean;
}

/**
 * The master with a replica that serves the most of our sessions (the session and its grant share a slot), and
 * the replicas the cluster has now (the tests run in any order, each failover uses one up).
 */
async function busiestMaster(): Promise<{ node: ClusterNodeProcess; holds: (sid: string) => boolean; replicas: number }> {
  const keys = createKeys('wol', world.emulator.defaultApp.appId);
  const masters = await world.cluster.masters();
  const replicas = masters.reduce((n, m) => n + m.replicas.length, 0);
  const holdsFor = (ranges: Array<[number, number]>) => (sid: string) => {
    const slot = calculateSlot(`${keys.sessionPrefix}{${sid}}`);
    return ranges.some(([from, to]) => slot >= from && slot <= to);
  };
  const [busiest] = masters
    .filter((m) => m.replicas.length > 0)
    .map((m) => ({ port: m.port, holds: holdsFor(m.slots) }))
    .map((m) => ({ ...m, count: browsers.filter((b) => m.holds(b.sid)).length }))
    .sort((a, b) => b.count - a.count);
  expect(busiest!.count).toBeGreaterThan(0);
  return { node: world.cluster.nodes.find((n) => n.port === busiest!.port)!, holds: busiest!.holds, replicas };
}

/**
 * Every browser asks for /api/me over and over, alternating the instances, while `during` runs: a failure
 * of a master, then its replica's promotion. Returns every answer that ended after the failure, timed from it.
 */
async function trafficThrough(during: (failedAt: number) => Promise<void>, holds: (sid: string) => boolean): Promise<Answer[]> {
  const seen: Array<Omit<Answer, 'at'> & { started: number }> = [];
  let running = true;
  const browse = async (b: (typeof browsers)[number], i: number) => {
    for (let n = i; running; n++) {
      const started = performance.now();
      const res = await request(apps[n % 2]!).get('/api/me').set(json).set('Cookie', b.cookie);
      seen.push({ started, ms: performance.now() - started, status: res.status, text: res.text, onVictim: holds(b.sid) });
      await sleep(25);
    }
  };
  const traffic = browsers.map(browse);
  await sleep(300);
  const failedAt = performance.now();
  causes.length = 0;
  await during(failedAt);
  running = false;
  await Promise.all(traffic);
  // Those in flight at the failure count too (started a little before it: a negative `at`).
  return seen.filter((a) => a.started + a.ms >= failedAt).map(({ started, ...a }) => ({ ...a, at: started - failedAt }));
}

/** After the failover: every browser is still logged in, as itself, on every instance. */
async function expectEveryoneStillLoggedIn(): Promise<void> {
  for (const b of browsers) {
    for (const app of apps) {
      const res = await request(app).get('/api/me').set(json).set('Cookie', b.cookie);
      expect(res.status).toBe(200);
      expect(res.body.user.openid).toBe(b.openid);
    }
  }
}

function summary(answers: Answer[], failedOverMs: number): string {
  const unavailable = answers.filter((a) => a.status === 503);
  const window = unavailable.length ? `${Math.round(Math.min(...unavailable.map((a) => a.at)))}–${Math.round(Math.max(...unavailable.map((a) => a.at + a.ms)))} ms` : 'none';
  const slowest = Math.round(Math.max(...answers.map((a) => a.ms)));
  const slowestElsewhere = Math.round(Math.max(0, ...answers.filter((a) => !a.onVictim).map((a) => a.ms)));
  return (
    `replica promoted ${failedOverMs} ms after the failure; ${answers.length} requests, ${unavailable.length} answered 503 ` +
    `(${unavailable.filter((a) => a.onVictim).length} of them on the failed master's sessions; window ${window}); ` +
    `slowest ${slowest} ms (${slowestElsewhere} ms on the other masters' sessions); the 503s' causes: ${JSON.stringify(tally(causes))}`
  );
}

function tally(texts: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const text of texts) counts[text] = (counts[text] ?? 0) + 1;
  return counts;
}

function expectOnly200Or503Quickly(answers: Answer[]): void {
  const statuses = new Set(answers.map((a) => a.status));
  expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([]); // no 500, no 401 (logged out)
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(MAX_REQUEST_MS);
  for (const a of answers.filter((x) => x.status === 503)) {
    expect(JSON.parse(a.text)).toMatchObject({ error: expect.any(String) });
    expect(a.text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack
  }
  // Each a store error summarised by its kind: the retries' budget spent, a timeout, the cluster down.
  for (const cause of causes) expect(cause).toMatch(/^\w+ (cluster redirections exhausted|timeout|CLUSTERDOWN|connection closed)( \(\w+\))?$/);
}

describe('a master failing under traffic, its replica promoted by the cluster (no CLUSTER FAILOVER)', () => {
  it('killed (SIGKILL): 503s for a few seconds at most, no 500, no hang, nobody logged out; then the same sessions work', async () => {
    await world.cluster.waitForReplicas();
    const { node, holds, replicas } = await busiestMaster();
    let failedOverMs = 0;
    const answers = await trafficThrough(async (t0) => {
      await node.kill();
      await world.cluster.waitUntilHealthy({ masters: 3, replicas: replicas - 1 });
      failedOverMs = Math.round(performance.now() - t0);
      await sleep(1_500);
    }, holds);
    reportFigure(`SIGKILL: ${summary(answers, failedOverMs)}`);

    expectOnly200Or503Quickly(answers);
    // Requests that start once the cluster is whole again are served.
    expect(answers.filter((a) => a.at > failedOverMs + 1_000 && a.status !== 200)).toEqual([]);
    await expectEveryoneStillLoggedIn();

    // Refresh and logout on the promoted replica's sessions too.
    world.clock.advance(3 * HOUR_MS);
    for (const b of browsers.filter((x) => holds(x.sid)).slice(0, 3)) {
      const tokens = await Promise.all(apps.map((app) => request(app).get('/api/token').set(json).set('Cookie', b.cookie)));
      expect(tokens.map((t) => t.status)).toEqual([200, 200]);
    }
    const leaving = browsers.find((b) => holds(b.sid))!;
    expect((await request(apps[0]!).post('/auth/wechat/logout').set(json).set('Cookie', leaving.cookie)).status).toBe(204);
    expect((await request(apps[1]!).get('/api/me').set(json).set('Cookie', leaving.cookie)).status).toBe(401);
    browsers = browsers.filter((b) => b !== leaving);
  });

  it('hung (SIGSTOP: connections open, no answers): each request gives up within the command timeout, then the promoted replica serves', async () => {
    await world.cluster.waitForReplicas();
    const { node, holds, replicas } = await busiestMaster();
    let failedOverMs = 0;
    try {
      const answers = await trafficThrough(async (t0) => {
        node.pause();
        await world.cluster.waitUntilHealthy({ masters: 3, replicas: replicas - 1 });
        failedOverMs = Math.round(performance.now() - t0);
        await sleep(4_500);
      }, holds);
      reportFigure(`SIGSTOP: ${summary(answers, failedOverMs)}`);

      expectOnly200Or503Quickly(answers);
      // The slot map is re-read every 2 s, and a request already waiting on the hung node gives up after 3 s.
      expect(answers.filter((a) => a.at > failedOverMs + 3_500 && a.status !== 200)).toEqual([]);
      await expectEveryoneStillLoggedIn();
    } finally {
      node.resume(); // it rejoins as a replica of its successor
    }
  });
});
