import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { WechatLogin } from '../../lib/index.js';
import { login, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { useRedisMonitor, type SeenCommand } from '../helpers/redis-monitor.js';
import { HOUR_MS, grantIdOf, grantKeys, readGrant, tokenOf, tokenTestRoutes } from './token-helpers.js';
import { reportFigure } from '../helpers/figures.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

useLoginSuite((suite) => ({ world, wechat, app } = suite), { routes: tokenTestRoutes });

const monitor = useRedisMonitor(() => world.redisServer.port, () => world.redis.ping());

/** Logs in, lets the access token expire, and returns the commands one token request then sends. */
async function oneRefresh(user: string): Promise<{ grantId: string; sent: SeenCommand[]; inScripts: SeenCommand[] }> {
  const agent = request.agent(app);
  await login(agent, world.emulator, { user });
  const grantId = await grantIdOf(agent);
  world.clock.advance(3 * HOUR_MS);
  world.emulator.resetCalls();
  await monitor.settle();
  monitor.reset();
  const res = await tokenOf(agent);
  expect(res.status).toBe(200);
  await monitor.settle();
  const during = [...monitor.seen];
  expect(world.emulator.calls.refresh_token).toBe(1);
  expect(res.body.token).toBe((await readGrant(wechat, agent)).accessToken);
  return { grantId, sent: during.filter((c) => c.source !== 'lua'), inScripts: during.filter((c) => c.source === 'lua') };
}

const isScript = ([name]: string[]) => ['eval', 'evalsha'].includes(name!.toLowerCase());
const declaredKeys = (args: string[]) => args.slice(3, 3 + Number(args[2]));
const hashTag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];

/** The commands a client sent, a MULTI … EXEC block as one (ioredis sends it in one write). */
function roundTrips(sent: SeenCommand[]): string[][][] {
  const trips: string[][][] = [];
  let block: string[][] | undefined;
  for (const { args } of sent) {
    const name = args[0]!.toLowerCase();
    if (name === 'multi') block = [];
    else if (name === 'exec' && block) {
      trips.push(block);
      block = undefined;
    } else if (block) block.push(args);
    else trips.push([args]);
  }
  return trips;
}

describe('what a refresh costs in Redis', () => {
  it('a request after the access token expired makes at most 5 round trips, every script sent by its SHA', async () => {
    await oneRefresh('bob'); // the first use of each script on this client may send its text
    const { grantId, sent } = await oneRefresh('alice');
    const trips = roundTrips(sent);
    const names = trips.map((trip) => trip.map(([name]) => name!.toLowerCase()).join('+'));
    reportFigure(`Redis round trips of one refresh: ${trips.length} (${names.join(', ')})`);
    expect(trips.length).toBeLessThanOrEqual(5);
    expect(names).not.toContain('eval');
    // The grant's tokens are read once, and the lock goes back with the write: no UNLOCK after it.
    expect(names.filter((name) => name === 'hgetall')).toHaveLength(1);
    expect(await world.redis.exists(grantKeys(world).grantLock(grantId))).toBe(0);
  });

  it("every key a script touches is declared in its KEYS, and a script's or a transaction's keys share one hash tag (Redis Cluster)", async () => {
    const { grantId, sent, inScripts } = await oneRefresh('alice');
    const keys = grantKeys(world);
    const scripts = sent.filter(({ args }) => isScript(args)).map(({ args }) => declaredKeys(args));
    const transactions = roundTrips(sent).filter((trip) => trip.length > 1).map((trip) => trip.map((args) => args[1]!));
    for (const together of [...scripts, ...transactions]) expect(new Set(together.map(hashTag)).size).toBe(1);
    // A command run inside a script names its key right after its own name.
    const declared = new Set(scripts.flat());
    for (const { args } of inScripts) expect(declared).toContain(args[1]);
    // The lock is taken beside a read of the grant, and given back by a script that declares both.
    expect(transactions).toContainEqual([keys.grantLock(grantId), keys.grant(grantId)]);
    expect(scripts).toContainEqual([keys.grant(grantId), keys.grantLock(grantId)]);
  });
});
