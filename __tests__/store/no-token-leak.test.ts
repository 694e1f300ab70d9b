import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import createDebug from 'debug';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { SessionData } from 'express-session';
import { Redis, type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import request from 'supertest';
import {
  ERR_STORE_UNAVAILABLE,
  createRedisStore,
  createWechatLogin,
  type GrantStore,
  type UserRepository,
  type WechatLogin,
  type WechatStore,
} from '../../lib/index.js';
import { WechatSessionStore } from '../../lib/session/session-store.js';
import { createKeys, type Keys } from '../../lib/store/keys.js';
import { storeUnavailable } from '../../lib/store/store-error.js';
import { login, loginOptions, pathOf, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { freePort, startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

/**
 * ioredis puts the arguments of a refused command on its error (`command.args`: tokens, session JSON). Every
 * way Redis can refuse a call of ours, produced for real, must give our 503 with none of those values in it:
 * not in the message, the stack, a full inspect, JSON, nor in what a debug logger prints.
 */

const APP_ID = 'wx0123456789abcdef';
const NOW = 1_700_000_000_000;
const HOUR_MS = 3600 * 1000;
/** Each test has its own key prefix, so its first user gets id 1. */
const FIRST_USER_ID = 1;

const logLines: string[] = [];
let previousNamespaces = '';
let previousLog: (...args: unknown[]) => unknown;
const log = createDebug('wechat-official-login:test');

beforeAll(() => {
  previousNamespaces = createDebug.disable();
  previousLog = createDebug.log;
  createDebug.log = (...args: unknown[]) => void logLines.push(format(...args));
  createDebug.enable('wechat-official-login:*');
});
afterAll(() => {
  createDebug.log = previousLog;
  createDebug.enable(previousNamespaces);
});
beforeEach(() => {
  logLines.length = 0;
});

/** Recognisable values, new for every test: whatever a call sends to Redis. */
function values() {
  const mark = (label: string) => `${label}-LEAK-${randomBytes(12).toString('hex')}`;
  return {
    accessToken: mark('accessToken'),
    refreshToken: mark('refreshToken'),
    newAccessToken: mark('newAccessToken'),
    newRefreshToken: mark('newRefreshToken'),
    sid: mark('sid'), // also the login's grant id
    nonce: mark('nonce'),
    binderHash: mark('binderHash'),
    codeHash: mark('codeHash'),
    lockOwner: mark('lockOwner'),
    returnTo: `/after/${mark('returnTo')}`,
    openid: mark('openid'),
    unionid: mark('unionid'),
    nickname: mark('nickname'),
  };
}
type Values = ReturnType<typeof values>;

const sessionLogin = (v: Values) => ({
  userId: FIRST_USER_ID,
  openid: v.openid,
  unionid: v.unionid,
  scope: 'snsapi_userinfo' as const,
  grantId: v.sid,
  loggedInAt: NOW,
  refreshExpiresAt: NOW + 30 * 24 * HOUR_MS,
});
const profile = (v: Values) => ({ openid: v.openid, unionid: v.unionid, nickname: v.nickname });
const userTokens = (v: Values) => ({ accessToken: v.accessToken, refreshToken: v.refreshToken, expiresIn: 7200 });
const newUserTokens = (v: Values) => ({ accessToken: v.newAccessToken, refreshToken: v.newRefreshToken, expiresIn: 7200 });
const newGrant = (v: Values) => ({
  accessToken: v.accessToken,
  refreshToken: v.refreshToken,
  expiresAt: NOW + 2 * HOUR_MS,
  refreshExpiresAt: NOW + 30 * 24 * HOUR_MS,
  expiresIn: 7200,
  scope: 'snsapi_userinfo',
  openid: v.openid,
  userId: FIRST_USER_ID,
});
const newGrantTokens = (v: Values) => ({ accessToken: v.newAccessToken, refreshToken: v.newRefreshToken, expiresAt: NOW + 4 * HOUR_MS, expiresIn: 7200, scope: 'snsapi_userinfo' });

function sessionOf(v: Values, maxAgeMs = HOUR_MS, expires = new Date(Date.now() + maxAgeMs)): SessionData {
  const cookie = { originalMaxAge: maxAgeMs, maxAge: maxAgeMs, expires, httpOnly: true, path: '/' };
  return {
    cookie: cookie as unknown as SessionData['cookie'],
    wechat: { login: sessionLogin(v), user: { id: FIRST_USER_ID, openid: v.openid, unionid: v.unionid, nickname: v.nickname } as never },
  };
}

/** One call of ours, and what it takes for Redis to refuse it for real. */
interface Row<Target> {
  /** Run on healthy Redis first, so the call reaches its write (a grant at the expected version, a held lock). */
  seed?: (target: Target, v: Values) => Promise<unknown>;
  call: (target: Target, v: Values) => Promise<unknown>;
  /** Sends a write command or a script: refused by a read-only replica, held by CLIENT PAUSE WRITE. */
  writes: boolean;
  /** Its write can grow the data: refused when Redis is out of memory (noeviction). */
  grows: boolean;
  /** A key that, holding the other type (string or hash), makes the call fail — inside its script for the scripted ones. */
  wrongTypeKey?: (keys: Keys, v: Values) => string;
}

// The tables are typed against the interfaces: a method added to or renamed in WechatStore, UserRepository or
// GrantStore does not compile here until it has its row.
const STORE_ROWS = {
  claimLoginState: {
    // Seeded as used, so the call reaches its read of the code's outcome (the key of the wrong type).
    seed: (s, v) => s.claimLoginState({ nonce: v.nonce, stateTtlMs: 60_000, codeTtlMs: 60_000 }),
    call: (s, v) => s.claimLoginState({ nonce: v.nonce, stateTtlMs: 60_000, codeHash: v.codeHash, codeTtlMs: 60_000 }),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.code(v.nonce, v.codeHash),
  },
  setCodeOutcome: {
    call: (s, v) => s.setCodeOutcome(v.nonce, v.codeHash, { status: 'success', binderHash: v.binderHash, returnTo: v.returnTo, login: sessionLogin(v) }, 60_000),
    writes: true,
    grows: true,
  },
  getCodeOutcome: {
    seed: (s, v) => s.setCodeOutcome(v.nonce, v.codeHash, { status: 'success', binderHash: v.binderHash, returnTo: v.returnTo, login: sessionLogin(v) }, 60_000),
    call: (s, v) => s.getCodeOutcome(v.nonce, v.codeHash),
    writes: false,
    grows: false,
    wrongTypeKey: (k, v) => k.code(v.nonce, v.codeHash),
  },
  forgetRateLimitHit: {
    seed: (s, v) => s.hitRateLimit({ name: 'refused-code', key: v.binderHash.slice(0, 64), limit: 5, windowMs: 60_000, now: NOW, member: 'm1' }),
    call: (s, v) => s.forgetRateLimitHit({ name: 'refused-code', key: v.binderHash.slice(0, 64), member: 'm1' }),
    writes: true,
    grows: false,
    wrongTypeKey: (k, v) => k.rateLimit('refused-code', v.binderHash.slice(0, 64)),
  },
  hitRateLimit: {
    call: (s, v) => s.hitRateLimit({ name: 'login-browser', key: v.binderHash.slice(0, 64), limit: 5, windowMs: 60_000, now: NOW }),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.rateLimit('login-browser', v.binderHash.slice(0, 64)),
  },
} satisfies { [K in Exclude<keyof WechatStore, 'kind' | 'users' | 'grants' | 'scanTickets' | 'platform' | 'close'>]: Row<WechatStore> };

const seedUser = (s: WechatStore, v: Values) => s.users.upsert(profile(v), userTokens(v), NOW);
const USER_ROWS = {
  upsert: {
    call: (s, v) => s.users.upsert(profile(v), userTokens(v), NOW),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.userByOpenid(v.openid),
  },
  updateTokens: {
    seed: seedUser,
    call: (s, v) => s.users.updateTokens(FIRST_USER_ID, newUserTokens(v), NOW + 1),
    writes: true,
    grows: true,
    wrongTypeKey: (k) => k.user(FIRST_USER_ID),
  },
  findById: { seed: seedUser, call: (s) => s.users.findById(FIRST_USER_ID), writes: false, grows: false, wrongTypeKey: (k) => k.user(FIRST_USER_ID) },
  findByOpenid: { seed: seedUser, call: (s, v) => s.users.findByOpenid(v.openid), writes: false, grows: false, wrongTypeKey: (k, v) => k.userByOpenid(v.openid) },
  findByUnionid: { seed: seedUser, call: (s, v) => s.users.findByUnionid(v.unionid), writes: false, grows: false, wrongTypeKey: (k, v) => k.userByUnionid(v.unionid) },
} satisfies { [K in keyof UserRepository]: Row<WechatStore> };

const seedGrant = (s: WechatStore, v: Values) => s.grants.create(newGrant(v), HOUR_MS, v.sid);
const GRANT_ROWS = {
  // No wrong-type row: a MULTI's per-command errors come back in EXEC's reply, which create() does not read.
  create: { call: (s, v) => s.grants.create(newGrant(v), HOUR_MS, v.sid), writes: true, grows: true },
  get: { seed: seedGrant, call: (s, v) => s.grants.get(v.sid), writes: false, grows: false, wrongTypeKey: (k, v) => k.grant(v.sid) },
  status: { seed: seedGrant, call: (s, v) => s.grants.status(v.sid), writes: false, grows: false, wrongTypeKey: (k, v) => k.grant(v.sid) },
  replaceTokens: {
    seed: seedGrant,
    call: (s, v) => s.grants.replaceTokens(v.sid, 1, newGrantTokens(v)),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.grant(v.sid),
  },
  // grows: false, as Redis checks a script's memory at its first write only, and markDead's is a deletion (HDEL).
  markDead: { seed: seedGrant, call: (s, v) => s.grants.markDead(v.sid, 1), writes: true, grows: false, wrongTypeKey: (k, v) => k.grant(v.sid) },
  delete: { seed: seedGrant, call: (s, v) => s.grants.delete(v.sid), writes: true, grows: false },
  deleteAllOfUser: {
    seed: seedGrant,
    call: (s) => s.grants.deleteAllOfUser(FIRST_USER_ID),
    writes: true,
    grows: false,
    wrongTypeKey: (k) => k.userGrants(FIRST_USER_ID),
  },
  tryLock: { call: (s, v) => s.grants.tryLock(v.sid, v.lockOwner, 10_000), writes: true, grows: true },
  unlock: {
    seed: (s, v) => s.grants.tryLock(v.sid, v.lockOwner, 10_000),
    call: (s, v) => s.grants.unlock(v.sid, v.lockOwner),
    writes: true,
    grows: false,
    wrongTypeKey: (k, v) => k.grantLock(v.sid),
  },
} satisfies { [K in keyof GrantStore]: Row<WechatStore> };

// A scan ticket (id v.sid) at each step: confirm and complete carry the desktop's tokens.
const scanTicket = (v: Values) => ({ ownerHash: v.binderHash, desktop: 'Chrome on Windows', createdAt: NOW, expiresAt: NOW + 120_000, digits: '' });
const scanTokens = (v: Values) => ({ accessToken: v.accessToken, refreshToken: v.refreshToken, expiresIn: 7200, scope: 'snsapi_userinfo', openid: v.openid, userId: FIRST_USER_ID });
const seedScanned = async (s: WechatStore, v: Values) => {
  await s.scanTickets.scan(v.sid, scanTicket(v), v.lockOwner, v.codeHash, NOW);
};
const seedConfirming = async (s: WechatStore, v: Values) => {
  await seedScanned(s, v);
  await s.scanTickets.startConfirm(v.sid, v.lockOwner, v.codeHash, '', NOW);
};
const SCAN_ROWS = {
  poll: {
    seed: seedScanned,
    call: (s, v) => s.scanTickets.poll(v.sid, v.binderHash, NOW, { windowMs: 10_000, max: 20 }),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
  scan: {
    // The same phone opens it again (its first open made the record: a ticket nobody opened has none).
    seed: seedScanned,
    call: (s, v) => s.scanTickets.scan(v.sid, scanTicket(v), v.lockOwner, v.codeHash, NOW),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
  startConfirm: {
    seed: seedScanned,
    call: (s, v) => s.scanTickets.startConfirm(v.sid, v.lockOwner, v.codeHash, '', NOW),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
  confirm: {
    seed: seedConfirming,
    call: (s, v) => s.scanTickets.confirm(v.sid, v.lockOwner, scanTokens(v), NOW, NOW + 30_000),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
  cancel: {
    seed: seedScanned,
    call: (s, v) => s.scanTickets.cancel(v.sid, v.lockOwner, NOW),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
  complete: {
    seed: async (s, v) => {
      await seedConfirming(s, v);
      await s.scanTickets.confirm(v.sid, v.lockOwner, scanTokens(v), NOW, NOW + 30_000);
    },
    call: (s, v) => s.scanTickets.complete(v.sid, v.binderHash, NOW),
    writes: true,
    grows: true,
    wrongTypeKey: (k, v) => k.scanTicket(v.sid),
  },
} satisfies { [K in keyof WechatStore['scanTickets']]: Row<WechatStore> };

type StoreCase = [string, Row<WechatStore>];
const STORE_CASES: StoreCase[] = [
  ...Object.entries(STORE_ROWS),
  ...Object.entries(USER_ROWS).map(([name, row]): StoreCase => [`users.${name}`, row]),
  ...Object.entries(GRANT_ROWS).map(([name, row]): StoreCase => [`grants.${name}`, row]),
  ...Object.entries(SCAN_ROWS).map(([name, row]): StoreCase => [`scanTickets.${name}`, row]),
];

/** express-session's callback API as a promise. */
function viaCallback(run: (cb: (error?: unknown, data?: unknown) => void) => unknown): Promise<unknown> {
  return new Promise((resolve, reject) => void run((error, data) => (error ? reject(error) : resolve(data))));
}

// What express-session calls on its store (get on every request, set on a change, touch, destroy on logout).
const SESSION_ROWS = {
  set: { call: (s, v) => viaCallback((cb) => s.set(v.sid, sessionOf(v), cb)), writes: true, grows: true },
  get: {
    seed: (s, v) => viaCallback((cb) => s.set(v.sid, sessionOf(v), cb)),
    call: (s, v) => viaCallback((cb) => s.get(v.sid, cb)),
    writes: true, // GETEX slides the expiry
    grows: false,
    wrongTypeKey: (k, v) => `${k.sessionPrefix}{${v.sid}}`,
  },
  touch: {
    seed: (s, v) => viaCallback((cb) => s.set(v.sid, sessionOf(v), cb)),
    // A cookie maxAge other than the store's ttl: the read did not slide it, touch must.
    call: (s, v) => viaCallback((cb) => s.touch(v.sid, sessionOf(v, 2 * HOUR_MS), cb)),
    writes: true,
    grows: false,
  },
  destroy: {
    seed: (s, v) => viaCallback((cb) => s.set(v.sid, sessionOf(v), cb)),
    call: (s, v) => viaCallback((cb) => s.destroy(v.sid, cb)),
    writes: true,
    grows: false,
  },
} satisfies Record<'get' | 'set' | 'touch' | 'destroy', Row<WechatSessionStore>>;

type SessionCase = [string, Row<WechatSessionStore>];
const SESSION_CASES: SessionCase[] = [
  ...Object.entries(SESSION_ROWS),
  // connect-redis turns the save of an already expired session into its destroy.
  ['set (cookie already expired)', { call: (s, v) => viaCallback((cb) => s.set(v.sid, sessionOf(v, HOUR_MS, new Date(Date.now() - 1000)), cb)), writes: true, grows: false }],
];

const storeOn = (redis: Redis, prefix: string): WechatStore => createRedisStore({ redis, appId: APP_ID, keyPrefix: prefix });
const sessionStoreOn = (redis: Redis, prefix: string) =>
  new WechatSessionStore({ redis, keys: createKeys(prefix, APP_ID), ttlMs: HOUR_MS, wrapError: storeUnavailable });

/** One failure, set up for one test and undone after it. */
interface Trial {
  /** Seeding goes through here: healthy Redis holding the data the failing client sees. */
  healthy: Redis;
  /** The call goes through here. */
  failing: Redis;
  /** Makes Redis refuse the call (after the seed); `wrongTypeKey` is the row's, when the kind needs one. */
  fail(wrongTypeKey: string | undefined): Promise<void>;
  restore(): Promise<void>;
}

interface FailureKind {
  /** What the error's message must still tell. */
  says: string;
  /** Whether this kind can make the row fail for real. */
  refuses(row: Row<unknown>): boolean;
  open(): Promise<Trial>;
}

let primary: TestRedisServer;
let primaryClient: Redis;
let replica: TestRedisServer;
let replicaClient: Redis;
let oomServer: TestRedisServer;
let oomAdmin: Redis;
let oomClient: Redis;
let pausedServer: TestRedisServer;
let pausedAdmin: Redis;
let noKeysClient: Redis;
const opened: Redis[] = [];

// One server per way of failing, so a test that leaves one broken cannot break another kind's tests.
beforeAll(async () => {
  [primary, replica, oomServer, pausedServer] = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer(), startRedisServer()]);
  primaryClient = primary.client();
  replicaClient = replica.client();
  await replicaClient.replicaof('127.0.0.1', primary.port);
  await waitFor(async () => (await replicaClient.info('replication')).includes('master_link_status:up'));
  oomAdmin = oomServer.client();
  oomClient = oomServer.client();
  await oomAdmin.config('SET', 'maxmemory-policy', 'noeviction');
  pausedAdmin = pausedServer.client();
  // Every command, no key: what an ACL change that forgot our key prefix does.
  await primaryClient.acl('SETUSER', 'nokeys', 'on', '>nokeys-password', '+@all', 'resetkeys');
  noKeysClient = primary.client();
  await noKeysClient.auth('nokeys', 'nokeys-password');
});
afterAll(async () => {
  await Promise.all([primary, replica, oomServer, pausedServer].map((server) => server?.stop()));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map(close));
});

/** A client of our own, closed after the test. */
function clientOf(port: number, options: RedisOptions = {}): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null, ...options });
  client.on('error', () => {}); // refused reconnects are the point of some tests, not noise for the console
  opened.push(client);
  return client;
}

/**
 * ioredis's disconnect() arms a 2 s timer that only its socket's 'close' clears, so it is never called on a
 * socket already closed (the timer would keep Jest waiting): a live client quits, a reconnecting one gives up.
 */
async function close(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise((resolve) => client.once('end', resolve)); // not events.once: it rejects on 'error'
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else if (client.status !== 'reconnecting') client.disconnect();
  await ended;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const KINDS: Record<string, FailureKind> = {
  'read-only replica (READONLY)': {
    says: 'READONLY',
    refuses: (row) => row.writes,
    open: async () => ({
      healthy: primaryClient,
      failing: replicaClient,
      async fail() {
        expect(await primaryClient.wait(1, 5_000)).toBe(1); // the seed reached the replica
      },
      async restore() {},
    }),
  },
  'out of memory (OOM, noeviction)': {
    says: 'OOM',
    refuses: (row) => row.grows,
    open: async () => ({
      healthy: oomClient,
      failing: oomClient,
      async fail() {
        await oomAdmin.config('SET', 'maxmemory', '1');
      },
      async restore() {
        await oomAdmin.config('SET', 'maxmemory', '0');
      },
    }),
  },
  'key of the wrong type (WRONGTYPE, in a script for the scripted calls)': {
    says: 'WRONGTYPE',
    refuses: (row) => row.wrongTypeKey !== undefined,
    open: async () => ({
      healthy: primaryClient,
      failing: primaryClient,
      async fail(key) {
        const wasHash = (await primaryClient.type(key!)) === 'hash';
        await primaryClient.del(key!);
        await (wasHash ? primaryClient.set(key!, 'not a hash') : primaryClient.hset(key!, 'not', 'a string'));
      },
      async restore() {},
    }),
  },
  'ACL without our keys (NOPERM)': {
    says: 'NOPERM',
    refuses: () => true,
    open: async () => ({ healthy: primaryClient, failing: noKeysClient, async fail() {}, async restore() {} }),
  },
  'a closed connection': {
    says: 'connection closed',
    refuses: () => true,
    async open() {
      const client = clientOf(primary.port);
      await client.ping();
      return {
        healthy: primaryClient,
        failing: client,
        async fail() {
          client.disconnect();
        },
        async restore() {},
      };
    },
  },
  'a stopped server (the client retrying, as createWechatLogin configures it)': {
    says: 'max retries per request reached',
    refuses: () => true,
    async open() {
      const server = await startRedisServer();
      // Retrying as ioredis does by default until maxRetriesPerRequest fails the command, then giving up, so
      // that no reconnect outlives the test.
      const client = clientOf(server.port, { retryStrategy: (times) => (times <= 2 ? times * 50 : null), connectTimeout: 2_000 });
      await client.ping();
      return {
        healthy: client,
        failing: client,
        async fail() {
          const closed = new Promise((resolve) => client.once('close', resolve));
          await server.stop();
          await closed;
        },
        restore: () => server.stop(),
      };
    },
  },
  'writes paused on the server (a command timeout)': {
    says: 'timeout',
    refuses: (row) => row.writes,
    async open() {
      const client = clientOf(pausedServer.port, { commandTimeout: 200 });
      return {
        healthy: client,
        failing: client,
        async fail() {
          await pausedAdmin.client('PAUSE', 30_000, 'WRITE');
        },
        async restore() {
          await pausedAdmin.client('UNPAUSE');
        },
      };
    },
  },
};

async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Our 503, still telling what went wrong, with none of `secrets` anywhere an error gets printed. */
function expectSummarised(error: any, says: string, secrets: string[]): void {
  expect(error).toMatchObject({ name: 'WechatLoginError', code: ERR_STORE_UNAVAILABLE, status: 503 });
  expect(error.message).toContain(says);
  // What an app's logging does with it: debug's %O and %o inspect it whole, %s prints it as text.
  log('store call failed: %O', error);
  log('store call failed: %o', error);
  log('store call failed: %s', error);
  const renderings = [
    String(error.message),
    String(error.stack),
    inspect(error, { showHidden: true, depth: null }),
    JSON.stringify(error),
    String(error.cause),
    JSON.stringify(error.cause),
    ...logLines,
  ];
  for (const text of renderings) for (const secret of secrets) expect(text).not.toContain(secret);
}

let prefixes = 0;
const freshPrefix = () => `leak${++prefixes}${randomBytes(3).toString('hex')}`;

/** Seeds on healthy Redis, makes it fail, calls, checks, restores: one fresh key prefix per test. */
async function refuse<Target>(kind: FailureKind, row: Row<Target>, open: (redis: Redis, prefix: string) => Target): Promise<void> {
  const v = values();
  const prefix = freshPrefix();
  const trial = await kind.open();
  try {
    if (row.seed) await row.seed(open(trial.healthy, prefix), v);
    await trial.fail(row.wrongTypeKey?.(createKeys(prefix, APP_ID), v));
    logLines.length = 0;
    const error = await rejectionOf(row.call(open(trial.failing, prefix), v));
    expectSummarised(error, kind.says, Object.values(v));
  } finally {
    await trial.restore();
  }
}

describe.each(Object.keys(KINDS))('Redis refuses: %s', (kindName) => {
  const kind = KINDS[kindName]!;
  const storeCases = STORE_CASES.filter(([, row]) => kind.refuses(row as Row<unknown>));
  const sessionCases = SESSION_CASES.filter(([, row]) => kind.refuses(row as Row<unknown>));

  it.each(storeCases)('store.%s: a 503 that tells the kind, and nothing it wrote', async (_name, row) => {
    await refuse(kind, row, storeOn);
  });

  if (sessionCases.length > 0) {
    it.each(sessionCases)('session store %s: a 503 that tells the kind, and nothing it wrote', async (_name, row) => {
      await refuse(kind, row, sessionStoreOn);
    });
  }
});

// Each refusal above is a call that gets as far as sending its values: here the same seeds and calls succeed.
describe('on a healthy Redis', () => {
  it.each(STORE_CASES)('store.%s goes through after its seed', async (_name, row) => {
    const v = values();
    const store = storeOn(primaryClient, freshPrefix());
    await row.seed?.(store, v);
    const result = await row.call(store, v);
    if (result !== undefined) expect(result).toBeTruthy(); // a found record, a claimed code, a lock, a compare-and-set that landed
  });

  it.each(SESSION_CASES)('session store %s goes through after its seed', async (name, row) => {
    const v = values();
    const sessions = sessionStoreOn(primaryClient, freshPrefix());
    await row.seed?.(sessions, v);
    const result = await row.call(sessions, v);
    if (name === 'get') expect(result).toMatchObject({ wechat: { login: { grantId: v.sid } } });
  });
});

describe('through createWechatLogin', () => {
  const APP_USER = 'wechat-app';
  const APP_PASSWORD = 'wechat-app-password';
  const SESSION_SECRET = 'no-token-leak-session-secret-0123456789abcdef';
  let world: LoginWorld;
  let appRedis: Redis;
  let wechat: WechatLogin;
  let app: Express;
  const passedOn: unknown[] = [];

  beforeAll(async () => {
    world = await startWorld();
    await world.redis.acl('SETUSER', APP_USER, 'on', `>${APP_PASSWORD}`, '+@all', '~*');
    appRedis = new Redis({ host: '127.0.0.1', port: world.redisServer.port, username: APP_USER, password: APP_PASSWORD, maxRetriesPerRequest: 1, retryStrategy: () => null });
    wechat = createWechatLogin(loginOptions(world, { redis: appRedis, session: { secret: SESSION_SECRET } }), { warn: () => undefined });
    app = express();
    app.use(wechat.router);
    app.get('/api/me', wechat.requireWechatUser(), (req, res) => void res.json({ openid: req.wechat.openid }));
    const remember: ErrorRequestHandler = (error, _req, _res, next) => {
      passedOn.push(error);
      next(error);
    };
    app.use(remember);
    app.use(wechat.errorHandler());
  });
  afterAll(async () => {
    await wechat?.close();
    if (appRedis) await close(appRedis);
    await world?.stop();
  });
  beforeEach(() => {
    passedOn.length = 0;
  });

  /** A completed login: its session id (also its grant's id) and the grant's tokens. */
  async function signIn() {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { scope: 'snsapi_userinfo' });
    expect(callback.status).toBe(302);
    const cookies = callback.headers['set-cookie'] as unknown as string[];
    const signed = decodeURIComponent(cookies.find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!.slice('wechat.sid='.length));
    const sid = signed.slice(2, signed.lastIndexOf('.')); // s:<sid>.<signature>
    const grant = await wechat.store.grants.get(sid);
    expect(grant).not.toBeNull();
    const secrets = [sid, grant!.accessToken, grant!.refreshToken, world.emulator.defaultApp.appSecret, SESSION_SECRET];
    return { agent, sid, grant: grant!, secrets };
  }

  it('a Redis turned read-only (failover) answers 503 to a signed-in request and to a new login, showing neither session nor tokens', async () => {
    const { agent, secrets } = await signIn();
    const newLogin = request.agent(app);
    const newStart = await newLogin.get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    const newCallback = pathOf(world.emulator.authorize(newStart.headers.location as string, { user: 'bob' }));
    // A replica of nothing: read-only, keeping its data, until REPLICAOF NO ONE.
    await world.redis.replicaof('127.0.0.1', await freePort());
    try {
      logLines.length = 0;
      const me = await agent.get('/api/me').set('Accept', 'application/json');
      // /login writes nothing to Redis (its state rides in a cookie): its callback is the login's first write.
      const started = await newLogin.get(newCallback).set('User-Agent', WECHAT_UA);
      expect(me.status).toBe(503);
      expect(started.status).toBe(503);
      for (const body of [me.text, started.text]) for (const secret of secrets) expect(body).not.toContain(secret);
      // The session read's error goes to the app's handlers; the callback's is answered by our route, and logged.
      expect(passedOn).toHaveLength(1);
      expect(logLines.join('\n')).toMatch(/state not claimable for now \(ERR_WECHAT_STORE_UNAVAILABLE\)/);
      expectSummarised(passedOn[0], 'READONLY', secrets);
    } finally {
      await world.redis.replicaof('NO', 'ONE');
    }
  });

  it('tokens WeChat just issued, which Redis refused to store (ACL change), show nowhere and are stored by the next call', async () => {
    const { sid, grant, secrets } = await signIn();
    const refreshesBefore = world.emulator.calls.refresh_token;
    world.clock.advance(3 * HOUR_MS);
    // The grant becomes read-only to the app; its refresh lock stays writable, so the refresh itself goes ahead.
    const base = `wol:${world.emulator.defaultApp.appId}`;
    await world.redis.acl('SETUSER', APP_USER, 'resetkeys', `~${base}:grant:*:lock`, `%R~${base}:grant:*`);
    let error: unknown;
    try {
      logLines.length = 0;
      error = await rejectionOf(wechat.tokens.getValidGrant(sid));
    } finally {
      await world.redis.acl('SETUSER', APP_USER, 'resetkeys', '~*');
    }
    expect(world.emulator.calls.refresh_token).toBe(refreshesBefore + 1);
    // No second refresh: what gets stored now are the tokens of the refused write.
    const stored = await wechat.tokens.getValidGrant(sid);
    expect(world.emulator.calls.refresh_token).toBe(refreshesBefore + 1);
    expect(stored.version).toBe(grant.version + 1);
    expect(stored.accessToken).not.toBe(grant.accessToken);
    expect(logLines.join('\n')).toContain('stored the tokens of an earlier refresh that Redis had refused');
    expectSummarised(error, 'NOPERM', [...secrets, stored.accessToken, stored.refreshToken]);
  });
});
