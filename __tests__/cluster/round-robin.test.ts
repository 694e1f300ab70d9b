import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAppProcesses, type AppProcesses } from '../helpers/app-processes.js';
import { startClusterWorld, type ClusterWorld } from '../helpers/cluster-world.js';
import { closeBrowserConnections, fetchMe, fetchToken, logInAs, logOut, send } from '../helpers/http-browser.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { HOUR_MS, wechatAccepts } from '../tokens/token-helpers.js';

/**
 * 4 Node processes, each running the app on the same Redis Cluster, behind a proxy with no stickiness: each
 * request goes to the next process, so a browser's consecutive requests always land on different processes.
 * Whatever a login, a refresh or a logout leaves behind must be in Redis, not in one process's memory.
 */
const PROCESSES = 4;
const USERS = ['alice', 'bob'] as const;

let world: ClusterWorld;
let apps: AppProcesses;
let proxy: RoundRobinProxy;

beforeAll(async () => {
  world = await startClusterWorld();
  apps = await startAppProcesses({ count: PROCESSES, seeds: world.cluster.seeds, emulator: world.emulator });
  proxy = await startRoundRobinProxy(apps.urls);
}, 60_000); // a cluster and 4 processes start in about 5 s, much slower on a busy machine
afterAll(async () => {
  await proxy?.close();
  closeBrowserConnections();
  await apps?.stop();
  await world?.stop();
});

const openidOf = (user: string) => world.emulator.openidFor(user);
const logIn = (user: string) => logInAs(proxy.url, world.emulator.url, user);

/** One guarded request of a session per process: through the proxy one after the other, each lands on the next. */
async function meOnEveryProcess(cookie: string): Promise<Array<{ status: number; servedBy: number | undefined; openid?: string }>> {
  const answers = [];
  for (let i = 0; i < PROCESSES; i++) {
    const res = await send('GET', `${proxy.url}/api/me`, { accept: 'application/json', cookie });
    answers.push({ status: res.status, servedBy: res.servedBy, ...(res.status === 200 ? { openid: JSON.parse(res.body).user.openid } : {}) });
  }
  return answers;
}

describe(`${PROCESSES} app processes on one Redis Cluster behind a round-robin proxy`, () => {
  it('completes logins that start on one process and call back on another; every process serves every session', async () => {
    for (let i = 0; i < PROCESSES * 2; i++) {
      const user = USERS[i % USERS.length]!;
      const login = await logIn(user);
      expect(login.loginServedBy).toBeDefined();
      expect(login.callbackServedBy).toBe((login.loginServedBy! + 1) % PROCESSES); // no stickiness: the next one

      const answers = await meOnEveryProcess(login.sessionCookie);
      expect(new Set(answers.map((a) => a.servedBy))).toEqual(new Set([0, 1, 2, 3]));
      expect(answers).toEqual(answers.map((a) => ({ status: 200, servedBy: a.servedBy, openid: openidOf(user) })));
    }
    expect(proxy.failed).toBe(0);
  });

  it('40 concurrent logins over the processes: every one completes and is served, as its own user, by every process', async () => {
    const users = Array.from({ length: 40 }, (_, i) => USERS[i % USERS.length]!);
    const logins = await Promise.all(users.map((user) => logIn(user)));
    expect(new Set(logins.map((l) => l.sessionCookie)).size).toBe(40);
    expect(new Set(logins.map((l) => l.callbackServedBy))).toEqual(new Set([0, 1, 2, 3]));

    const seen = await Promise.all(logins.map(async (l) => [await fetchMe(proxy.url, l.sessionCookie), await fetchMe(proxy.url, l.sessionCookie)]));
    expect(seen.map((pair) => pair.map((me) => me.openid))).toEqual(users.map((u) => [openidOf(u), openidOf(u)]));
  });

  it('refreshes expired tokens transparently: one refresh_token call per session, for 8 concurrent requests of each over every process', async () => {
    const sessions = [];
    for (const user of [...USERS, 'alice']) sessions.push({ user, cookie: (await logIn(user)).sessionCookie });
    const before = await Promise.all(sessions.map((s) => fetchToken(proxy.url, s.cookie)));

    // WeChat's clock moves past the tokens' 2 h, and every process reads it again.
    world.emulator.advanceTime(3 * HOUR_MS);
    await apps.syncClocks();
    for (const [i, { token }] of before.entries()) expect(await wechatAccepts(world.emulator, token, openidOf(sessions[i]!.user))).toBe(false);
    world.emulator.resetCalls();

    const answers = await Promise.all(sessions.flatMap((s) => Array.from({ length: 8 }, () => fetchToken(proxy.url, s.cookie))));
    expect(world.emulator.calls.refresh_token).toBe(sessions.length);
    expect(new Set(answers.map((a) => a.servedBy))).toEqual(new Set([0, 1, 2, 3]));
    for (const [i, session] of sessions.entries()) {
      const tokens = new Set(answers.slice(i * 8, i * 8 + 8).map((a) => a.token));
      expect(tokens.size).toBe(1);
      const [token] = [...tokens];
      expect(token).not.toBe(before[i]!.token);
      expect(await wechatAccepts(world.emulator, token!, openidOf(session.user))).toBe(true);
    }
    // Later requests, on any process, use the refreshed token without calling WeChat again.
    const after = await Promise.all(sessions.flatMap((s) => Array.from({ length: PROCESSES }, () => fetchToken(proxy.url, s.cookie))));
    expect(after.map((a) => a.token)).toEqual(sessions.flatMap((_, i) => Array(PROCESSES).fill(answers[i * 8]!.token)));
    expect(world.emulator.calls.refresh_token).toBe(sessions.length);
  });

  it('logs out on one process: every process answers 401 for that session, and no other session is lost', async () => {
    const logins = [];
    for (let i = 0; i < 6; i++) logins.push({ user: USERS[i % USERS.length]!, cookie: (await logIn(USERS[i % USERS.length]!)).sessionCookie });
    const [leaving, ...staying] = logins;
    const loggedOutOn = (await logOut(proxy.url, leaving!.cookie)).servedBy;
    expect(loggedOutOn).toBeDefined();

    const gone = await meOnEveryProcess(leaving!.cookie);
    expect(new Set(gone.map((a) => a.servedBy))).toEqual(new Set([0, 1, 2, 3]));
    expect(gone.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    for (const { user, cookie } of staying) {
      expect((await meOnEveryProcess(cookie)).map((a) => [a.status, a.openid])).toEqual(Array(PROCESSES).fill([200, openidOf(user)]));
    }
    // Logged out, the same browser logs in again and is served everywhere.
    const again = await logIn(leaving!.user);
    expect((await meOnEveryProcess(again.sessionCookie)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });
});
