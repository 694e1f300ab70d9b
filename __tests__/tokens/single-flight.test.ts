import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERR_TOKEN_REFRESH_BUSY, createRedisStore, createWechatApiClient, createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { createTokenManager } from '../../lib/tokens/token-manager.js';
import { rejectionOf } from '../wechat/api-helpers.js';
import { buildApp, login, loginOptions, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import {
  HOUR_MS,
  gate,
  grantIdOf,
  grantKeys,
  readGrant,
  refreshBehindOurBack,
  sessionCookieFrom,
  tokenOf,
  tokenTestRoutes,
  wechatAccepts,
} from './token-helpers.js';
import { reportFigure } from '../helpers/figures.js';
import { deriveTokenKey } from '../../lib/store/token-cipher.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

useLoginSuite((suite) => ({ world, wechat, app } = suite), { routes: tokenTestRoutes });

/** The key the app's own store seals tokens with by default (derived from its session secret), as base64. */
function sealingKeyOf(options: ReturnType<typeof loginOptions>): string {
  const secret = options.session ? [options.session.secret].flat()[0]! : options.appSecret;
  return deriveTokenKey(secret).toString('base64');
}

/**
 * A logged-in browser whose access token has expired, plus a Redis store and a WeChat client of its own: the
 * parts a test assembles into token managers standing for other processes.
 */
async function expiredLogin(user: string) {
  const agent = request.agent(app);
  await login(agent, world.emulator, { user });
  const grantId = await grantIdOf(agent);
  world.clock.advance(3 * HOUR_MS);
  // Another process's store on the same Redis: it opens what the app sealed (the key derived from the session secret).
  const store = createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: 'wol', tokenEncryptionKey: sealingKeyOf(loginOptions(world)) });
  const opts = loginOptions(world);
  const api = createWechatApiClient({ appId: opts.appId, appSecret: opts.appSecret, apiBaseUrl: world.emulator.apiBaseUrl });
  return { agent, grantId, store, api };
}

describe('one refresh across token managers sharing Redis', () => {
  it('refreshes once for 50 concurrent requests spread over 4 app instances (4 token managers, one Redis)', async () => {
    const others = [1, 2, 3].map(() => createWechatLogin(loginOptions(world)));
    try {
      const apps = [app, ...others.map((w) => buildApp(w))];
      const agent = request.agent(app);
      const { callback } = await login(agent, world.emulator, { user: 'alice' });
      const cookie = sessionCookieFrom(callback);
      world.clock.advance(3 * HOUR_MS);
      world.emulator.resetCalls();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => request(apps[i % 4]!).get('/api/token').set('Cookie', cookie).set('Accept', 'application/json')),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      expect(new Set(answers.map((a) => a.body.token)).size).toBe(1);
      expect(world.emulator.calls.refresh_token).toBe(1);
    } finally {
      await Promise.all(others.map((w) => w.close()));
    }
  });
});

describe('a lock holder that crashed', () => {
  it('blocks the others only until its lock expires', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    const grantId = await grantIdOf(agent);
    world.clock.advance(3 * HOUR_MS);
    world.emulator.resetCalls();
    // What a process that died mid-refresh leaves behind: its lock, with the expiry it set.
    const lockTtlMs = 500;
    await world.redis.set(grantKeys(world).grantLock(grantId), 'a-process-that-died', 'PX', lockTtlMs);
    const started = performance.now();
    const res = await tokenOf(agent);
    const waited = Math.round(performance.now() - started);
    reportFigure(`a crashed holder's lock (PX ${lockTtlMs} ms) held a request for ${waited} ms`);
    expect(res.status).toBe(200);
    expect(await wechatAccepts(world.emulator, res.body.token, world.emulator.openidFor('bob'))).toBe(true);
    expect(world.emulator.calls.refresh_token).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(lockTtlMs - 50);
    expect(waited).toBeLessThan(lockTtlMs + 500);
  });

  it('a holder whose lock expired mid-refresh and then gets 40030 uses the refresh that overtook it instead of logging out', async () => {
    const { agent, grantId, store, api: realApi } = await expiredLogin('alice');
    world.emulator.resetCalls();

    const entered = gate();
    const release = gate();
    // A stalls (GC pause, overloaded event loop) between taking the lock and calling WeChat.
    const stalledApi = {
      async refreshToken(refreshToken: string) {
        entered.open();
        await release.wait;
        return realApi.refreshToken(refreshToken);
      },
    };
    const common = { store, clock: world.clock, skewMs: 5 * 60_000, lockTtlMs: 100, waitTimeoutMs: 2_000 };
    const a = createTokenManager({ ...common, api: stalledApi });
    const b = createTokenManager({ ...common, api: realApi });

    const fromA = a.getValidGrant(grantId).then(
      (grant) => ({ ok: true as const, grant }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await entered.wait;
    await sleep(150); // A's lock expires
    const fromB = await b.getValidGrant(grantId);
    release.open(); // A now refreshes with the refresh token B already used: 40030
    const outcome = await fromA;
    expect(world.emulator.calls.refresh_token).toBe(2);
    expect(outcome.ok ? outcome.grant.accessToken : (outcome.error as Error).message).toBe(fromB.accessToken);
    const stored = await readGrant(wechat, agent);
    expect(stored.dead).toBe(false);
    expect(stored.accessToken).toBe(fromB.accessToken);
    expect((await tokenOf(agent)).body.token).toBe(fromB.accessToken);
  });
});

describe('the re-check under the lock', () => {
  it('a process that read the expired grant before another refreshed it, and gets the lock after, uses that refresh instead of refreshing again', async () => {
    const { agent, grantId, store, api } = await expiredLogin('alice');
    world.emulator.resetCalls();

    const reachedLock = gate();
    const goOn = gate();
    // The late process stalls between its read of the grant and its try at the lock.
    const tryLock = store.grants.tryLock;
    store.grants.tryLock = async (...args) => {
      reachedLock.open();
      await goOn.wait;
      return tryLock(...args);
    };
    const late = createTokenManager({ store, api, clock: world.clock, skewMs: 5 * 60_000, lockTtlMs: 2_000, waitTimeoutMs: 3_000 });

    const fromLate = late.getValidGrant(grantId);
    await reachedLock.wait;
    const refreshed = await wechat.tokens.getValidGrant(grantId); // another process: refreshes, gives the lock back
    goOn.open(); // the late one now gets the lock, at a version newer than the one it read
    expect((await fromLate).accessToken).toBe(refreshed.accessToken);
    expect(world.emulator.calls.refresh_token).toBe(1);
    expect(await world.redis.exists(grantKeys(world).grantLock(grantId))).toBe(0);
  });
});

describe("waiting for another process's refresh", () => {
  /** A logged-in grant whose access token has expired, its refresh lock held by another process, and a token manager of our own. */
  async function grantLockedByAnother(user: string, waitTimeoutMs: number) {
    const { agent, grantId, store, api } = await expiredLogin(user);
    const lockKey = grantKeys(world).grantLock(grantId);
    await world.redis.set(lockKey, 'another-process', 'PX', 10_000);
    const waiter = createTokenManager({ store, api, clock: world.clock, skewMs: 5 * 60_000, lockTtlMs: 2_000, waitTimeoutMs });
    world.emulator.resetCalls();
    return { agent, grantId, lockKey, store, waiter };
  }

  it('answers 503 (ERR_TOKEN_REFRESH_BUSY) once its wait is over while the other refresh still holds the lock, without calling WeChat', async () => {
    const waitTimeoutMs = 300;
    const { lockKey, grantId, waiter } = await grantLockedByAnother('alice', waitTimeoutMs);
    try {
      const started = performance.now();
      const error = await rejectionOf(waiter.getValidGrant(grantId));
      const waited = performance.now() - started;
      expect(error).toMatchObject({ code: ERR_TOKEN_REFRESH_BUSY, status: 503 });
      expect(waited).toBeGreaterThanOrEqual(waitTimeoutMs - 20);
      expect(waited).toBeLessThan(waitTimeoutMs + 1_000);
      expect(world.emulator.calls.refresh_token).toBe(0);
      expect(await world.redis.get(lockKey)).toBe('another-process');
    } finally {
      await world.redis.del(lockKey);
    }
  });

  it('answers with a refresh as soon as it lands (the version moves), even while a later holder still has the lock', async () => {
    // How it happens: holder A stalls past its lock's expiry, B takes the lock, then A's write lands (its version
    // check still passes) and gives back only A's lock. The waiter must not sit out B's refresh as well.
    const { agent, lockKey, grantId, store, waiter } = await grantLockedByAnother('bob', 3_000);
    try {
      const polling = gate();
      const tryLock = store.grants.tryLock;
      store.grants.tryLock = async (...args) => {
        const attempt = await tryLock(...args);
        if (!attempt.locked) polling.open();
        return attempt;
      };
      const fromWaiter = waiter.getValidGrant(grantId);
      await polling.wait;

      const before = await readGrant(wechat, agent);
      const fresh = await refreshBehindOurBack(world.emulator, before.refreshToken);
      if (!fresh.access_token || !fresh.refresh_token) throw new Error(`WeChat refused the refresh: ${JSON.stringify(fresh)}`);
      const landed = await store.grants.replaceTokens(
        grantId,
        before.version,
        {
          accessToken: fresh.access_token,
          refreshToken: fresh.refresh_token,
          expiresAt: world.clock.now() + 2 * HOUR_MS,
          expiresIn: 7200,
          scope: before.scope,
        },
        'holder-a',
      );
      expect(landed?.version).toBe(before.version + 1);
      world.emulator.resetCalls();

      expect((await fromWaiter).accessToken).toBe(fresh.access_token);
      expect(world.emulator.calls.refresh_token).toBe(0);
      expect(await world.redis.get(lockKey)).toBe('another-process');
    } finally {
      await world.redis.del(lockKey);
    }
  });
});
