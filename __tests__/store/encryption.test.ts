import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import {
  ERR_INVALID_OPTION,
  ERR_REAUTHORIZATION_REQUIRED,
  createMemoryStore,
  createRedisStore,
  createWechatLogin,
  type WechatLoginOptions,
} from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { createTokenCipher, parseTokenEncryptionKeys } from '../../lib/store/token-cipher.js';
import { loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { useRedisMonitor } from '../helpers/redis-monitor.js';
import { asBrowser, everythingUnder, freshPrefix, instance, loggedInBrowser, sessionIdOf, type Instance } from '../users/secrets-helpers.js';

/**
 * tokenEncryptionKey: access and refresh tokens are stored encrypted (AES-256-GCM) in grants and user records,
 * so Redis itself — every key's value, its DUMP, every command it receives — holds no usable token. (Without it,
 * sealed with a key derived from the session secret: encryption-default.test.ts.)
 */

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('hex');
const idOf = (key: string) => createHash('sha256').update(Buffer.from(key, /^[0-9a-f]{64}$/.test(key) ? 'hex' : 'base64')).digest('hex').slice(0, 8);
const TWO_HOURS_MS = 7200 * 1000;

let world: LoginWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world.stop());
beforeEach(() => world.emulator.resetCalls());

const started: Instance[] = [];
afterAll(async () => {
  await Promise.all(started.map(({ wechat }) => wechat.close()));
});
function app(prefix: string, tokenEncryptionKey?: string | string[]): Instance {
  const made = instance(world, { keyPrefix: prefix, ...(tokenEncryptionKey === undefined ? {} : { tokenEncryptionKey }) });
  started.push(made);
  return made;
}

/** The tokens stored as they are: an app on its own store built without a key (nothing derived for it). */
function plainApp(prefix: string): Instance {
  const made = instance(world, { keyPrefix: prefix, store: createRedisStore({ redis: world.redis, appId: world.emulator.defaultApp.appId, keyPrefix: prefix }) });
  started.push(made);
  return made;
}

const appId = () => world.emulator.defaultApp.appId;
const grantKey = (prefix: string, cookie: string) => createKeys(prefix, appId()).grant(sessionIdOf(cookie));
const userKey = (prefix: string, id: number) => createKeys(prefix, appId()).user(id);

/** The tokens of a browser's login, as the app reads them (decrypted). */
async function tokensOf({ wechat }: Instance, cookie: string): Promise<string[]> {
  const grant = await wechat.tokens.getValidGrant(sessionIdOf(cookie));
  return [grant.accessToken, grant.refreshToken];
}

describe('with tokenEncryptionKey, Redis holds no usable token', () => {
  const monitor = useRedisMonitor(
    () => world.redisServer.port,
    () => world.redis.ping(),
  );

  it('after a login and a refresh: not in any key, value or DUMP, nor in any command Redis received; login, guard and refresh work', async () => {
    const prefix = freshPrefix('enc');
    const one = app(prefix, KEY_A);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    const first = await tokensOf(one, cookie);

    const profile = await asBrowser(one.app, cookie, '/profile');
    expect(profile.status).toBe(200);
    const token = await asBrowser(one.app, cookie, '/api/token', true);
    expect(token.body).toEqual({ token: first[0] });

    world.clock.advance(TWO_HOURS_MS);
    const refreshed = await asBrowser(one.app, cookie, '/api/token', true);
    expect(refreshed.status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(1);
    const second = await tokensOf(one, cookie);
    expect(refreshed.body).toEqual({ token: second[0] });
    expect(second[0]).not.toBe(first[0]);
    expect(second[1]).not.toBe(first[1]); // the emulator rotates refresh tokens

    const user = await one.wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect([user?.accessToken, user?.refreshToken]).toEqual(second);

    const { keys, text } = await everythingUnder(world.redis, prefix);
    expect(keys.length).toBeGreaterThan(3);
    await monitor.settle();
    const sent = monitor.seen.map(({ args }) => args.join(' ')).join('\n');
    expect(sent).toContain(prefix);
    for (const secret of [...first, ...second]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 16));
      expect(sent).not.toContain(secret.slice(0, 16));
    }
    const stored = await world.redis.hmget(grantKey(prefix, cookie), 'accessToken', 'refreshToken');
    const onUser = await world.redis.hmget(userKey(prefix, user!.id), 'accessToken', 'refreshToken');
    for (const value of [...stored, ...onUser]) expect(value).toMatch(new RegExp(`^enc:v1:${idOf(KEY_A)}:[\\w-]{16}:[\\w-]{22}:[\\w-]+$`));
  });

  it('a refresh token past its 30 days: the grant is marked dead by its script and the user authorizes again', async () => {
    const prefix = freshPrefix('dead');
    const one = app(prefix, KEY_A);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    world.clock.advance(31 * 24 * 3600 * 1000);
    expect((await asBrowser(one.app, cookie, '/api/token', true)).status).toBe(401); // the session knows the date too
    await expect(one.wechat.tokens.getValidGrant(sessionIdOf(cookie))).rejects.toMatchObject({ code: ERR_REAUTHORIZATION_REQUIRED });
    expect(await world.redis.hgetall(grantKey(prefix, cookie))).toMatchObject({ dead: '1', version: '2' });
    expect(await world.redis.hmget(grantKey(prefix, cookie), 'accessToken', 'refreshToken')).toEqual([null, null]);
    expect(world.emulator.calls.refresh_token).toBe(0);
  });

  it('on a store built without a key, tokens are stored as they are (what the test above tells apart)', async () => {
    const prefix = freshPrefix('plain');
    const one = plainApp(prefix);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    const [accessToken] = await tokensOf(one, cookie);
    expect((await everythingUnder(world.redis, prefix)).text).toContain(accessToken);
  });
});

describe("a scan ticket's tokens (held from the phone's confirm until the desktop takes them)", () => {
  it('are sealed in the ticket and opened for the desktop', async () => {
    const prefix = freshPrefix('scan');
    const store = createRedisStore({ redis: world.redis, appId: appId(), keyPrefix: prefix, tokenEncryptionKey: KEY_A });
    const ticketKey = createKeys(prefix, appId()).scanTicket('t1');
    const now = Date.now();
    await store.scanTickets.scan('t1', { ownerHash: 'desk', desktop: 'Chrome on Windows', createdAt: now, expiresAt: now + 60_000, digits: '' }, 'phone', 'csrf', now);
    await world.redis.hset(ticketKey, 'state', 'confirming', 'phone', 'phone'); // scanned and confirmed on the phone
    const tokens = { accessToken: `at-${randomBytes(16).toString('hex')}`, refreshToken: `rt-${randomBytes(16).toString('hex')}`, expiresIn: 7200, scope: 'snsapi_userinfo', openid: 'o1', userId: 1 };
    expect(await store.scanTickets.confirm('t1', 'phone', tokens, now, now + 30_000)).toBe('ok');
    const held = await everythingUnder(world.redis, prefix);
    expect(held.text).toContain('confirmed');
    expect(held.text).not.toContain(tokens.accessToken);
    expect(held.text).not.toContain(tokens.refreshToken);
    expect(await world.redis.hget(ticketKey, 'accessToken')).toMatch(/^enc:v1:/);
    expect(await store.scanTickets.complete('t1', 'desk', now)).toEqual({ result: 'ok', tokens });
  });
});

describe('key rotation', () => {
  it('reads what key A wrote once the keys are [B, A]; new writes use B, which B alone then reads', async () => {
    const prefix = freshPrefix('rotate');
    const withA = app(prefix, KEY_A);
    const cookie = await loggedInBrowser(withA.app, world, 'alice');
    const [written] = await tokensOf(withA, cookie);

    const withBA = app(prefix, [KEY_B, KEY_A]);
    expect((await asBrowser(withBA.app, cookie, '/api/token', true)).body).toEqual({ token: written });

    world.clock.advance(TWO_HOURS_MS);
    const refreshed = await asBrowser(withBA.app, cookie, '/api/token', true);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).not.toBe(written);
    const stored = await world.redis.hmget(grantKey(prefix, cookie), 'accessToken', 'refreshToken');
    for (const value of stored) expect(value?.split(':')[2]).toBe(idOf(KEY_B));
    const user = await withBA.wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect((await world.redis.hget(userKey(prefix, user!.id), 'accessToken'))?.split(':')[2]).toBe(idOf(KEY_B));

    const withB = app(prefix, KEY_B);
    expect((await asBrowser(withB.app, cookie, '/api/token', true)).body).toEqual(refreshed.body);
  });

  it('a record stored before encryption was turned on still reads, and its next write is encrypted', async () => {
    const prefix = freshPrefix('legacy');
    const before = plainApp(prefix);
    const cookie = await loggedInBrowser(before.app, world, 'bob');
    const [plaintext] = await tokensOf(before, cookie);
    expect(await world.redis.hget(grantKey(prefix, cookie), 'accessToken')).toBe(plaintext);

    const after = app(prefix, KEY_A);
    expect((await asBrowser(after.app, cookie, '/profile')).status).toBe(200);
    expect((await asBrowser(after.app, cookie, '/api/token', true)).body).toEqual({ token: plaintext });
    expect((await after.wechat.users.findByOpenid(world.emulator.openidFor('bob')))?.accessToken).toBe(plaintext);

    world.clock.advance(TWO_HOURS_MS);
    expect((await asBrowser(after.app, cookie, '/api/token', true)).status).toBe(200);
    expect(await world.redis.hget(grantKey(prefix, cookie), 'accessToken')).toMatch(/^enc:v1:/);
  });
});

describe('tokens that cannot be decrypted: the user authorizes again, never a 500', () => {
  /** A logged-in browser whose grant's stored access token `spoil` then rewrites. */
  async function spoiled(spoil: (stored: string, prefix: string) => Promise<string> | string, readWith: string | string[] | null = KEY_A) {
    const prefix = freshPrefix('spoil');
    const writer = app(prefix, KEY_A);
    const cookie = await loggedInBrowser(writer.app, world, 'alice');
    const stored = (await world.redis.hget(grantKey(prefix, cookie), 'accessToken'))!;
    await world.redis.hset(grantKey(prefix, cookie), 'accessToken', await spoil(stored, prefix));
    const reader = readWith === KEY_A ? writer : app(prefix, readWith ?? undefined);
    return { prefix, cookie, reader, stored };
  }

  /** What the app answers that browser: the guard's "log in" for JSON, a redirect to WeChat in WeChat, both then. */
  async function expectReauthorization(reader: Instance, cookie: string, stored: string) {
    const api = await asBrowser(reader.app, cookie, '/api/token', true);
    expect(api.status).toBe(401);
    expect(api.body).toMatchObject({ error: 'wechat_login_required' });
    expect(JSON.stringify(api.body) + api.text).not.toContain(stored.split(':').pop()!);
    const page = await asBrowser(reader.app, cookie, '/profile');
    expect(page.status).toBe(302);
    expect(page.headers.location).toMatch(/^\/auth\/wechat\/login\?/);
  }

  it('a tampered ciphertext (one character changed)', async () => {
    const { cookie, reader, stored } = await spoiled((value) => value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA'));
    await expectReauthorization(reader, cookie, stored);
  });

  it("another grant's ciphertext copied onto this one (it is bound to its grant and field)", async () => {
    const { cookie, reader, stored } = await spoiled(async (_value, prefix) => {
      const other = await loggedInBrowser(app(prefix, KEY_A).app, world, 'bob');
      return (await world.redis.hget(grantKey(prefix, other), 'accessToken'))!;
    });
    await expectReauthorization(reader, cookie, stored);
  });

  it("this grant's refresh token copied into its access token field", async () => {
    const { cookie, reader, stored } = await spoiled(async (_value, prefix) => {
      const keys = await world.redis.keys(`${prefix}:*:grant:*`);
      return (await world.redis.hget(keys[0]!, 'refreshToken'))!;
    });
    await expectReauthorization(reader, cookie, stored);
  });

  it('a ciphertext in a format we do not know (truncated)', async () => {
    const { cookie, reader, stored } = await spoiled((value) => value.split(':').slice(0, 4).join(':'));
    await expectReauthorization(reader, cookie, stored);
  });

  it('only a key the tokens were not written with: TokenUnreadableError names the key id, never the value', async () => {
    const { cookie, reader, stored } = await spoiled((value) => value, KEY_B);
    const error = await reader.wechat.tokens.getValidGrant(sessionIdOf(cookie)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TokenUnreadableError', code: ERR_REAUTHORIZATION_REQUIRED, status: 401, reason: 'unknown-key' });
    expect((error as Error).message).toContain(idOf(KEY_A));
    expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toContain(stored.split(':').pop()!);
    // The user record's copy of the tokens reads as none, rather than making the user unreadable.
    const user = await reader.wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect(user).toMatchObject({ nickname: expect.any(String), accessToken: '', refreshToken: '' });
    await expectReauthorization(reader, cookie, stored);
  });

  it('encrypted tokens and no key configured', async () => {
    const { cookie, reader, stored } = await spoiled((value) => value, null);
    await expectReauthorization(reader, cookie, stored);
  });
});

describe('the memory store', () => {
  it('takes the key too: a login, the guard and a refresh work with it', async () => {
    const store = createMemoryStore({ clock: world.clock, tokenEncryptionKey: KEY_A });
    const one = instance(world, { redis: undefined, store });
    started.push(one);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    expect((await asBrowser(one.app, cookie, '/profile')).status).toBe(200);
    const [first] = await tokensOf(one, cookie);
    world.clock.advance(TWO_HOURS_MS);
    const refreshed = await asBrowser(one.app, cookie, '/api/token', true);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).not.toBe(first);
    expect((await store.users.findByOpenid(world.emulator.openidFor('alice')))?.accessToken).toBe(refreshed.body.token);
  });
});

describe('the cipher', () => {
  const cipher = createTokenCipher(parseTokenEncryptionKeys([KEY_B, KEY_A])!);

  it('writes enc:v1:<key id>:<iv>:<tag>:<ciphertext> with the newest key and a fresh 12-byte IV each time', () => {
    const one = cipher.seal('token', 'grant:g:accessToken');
    const two = cipher.seal('token', 'grant:g:accessToken');
    expect(one).not.toBe(two);
    const [enc, version, keyId, iv, tag] = one.split(':');
    expect([enc, version, keyId]).toEqual(['enc', 'v1', idOf(KEY_B)]);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(cipher.open(one, 'grant:g:accessToken')).toBe('token');
  });

  it("leaves '' (no token) as it is, and reads a value without the enc: prefix as plaintext", () => {
    expect(cipher.seal('', 'grant:g:accessToken')).toBe('');
    expect(cipher.open('', 'grant:g:accessToken')).toBe('');
    expect(cipher.open('plain-legacy-token', 'grant:g:accessToken')).toBe('plain-legacy-token');
  });

  it('refuses a shortened authentication tag (no truncation attack)', () => {
    const parts = cipher.seal('token', 'c').split(':');
    parts[4] = Buffer.from(parts[4]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => cipher.open(parts.join(':'), 'c')).toThrow(expect.objectContaining({ reason: 'malformed' }));
  });
});

describe('the option', () => {
  const options = (tokenEncryptionKey: unknown): WechatLoginOptions =>
    ({ ...loginOptions(world), tokenEncryptionKey }) as WechatLoginOptions;
  const make = (tokenEncryptionKey: unknown) => () => createWechatLogin(options(tokenEncryptionKey), { warn: () => undefined });

  it.each([
    ['a short base64 key', randomBytes(16).toString('base64')],
    ['63 hex characters', randomBytes(32).toString('hex').slice(1)],
    ['a passphrase', 'correct horse battery staple, but not a key'],
    ['a number', 42],
    ['an empty list', []],
    ['a list with a bad entry', [KEY_A, 'nope']],
  ])('refuses %s, saying how to generate a key and quoting no key', (_label, value) => {
    const error = (() => {
      try {
        make(value)();
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe(ERR_INVALID_OPTION);
    expect(error.message).toContain('"tokenEncryptionKey');
    expect(error.message).toContain('openssl rand -base64 32');
    if (typeof value === 'string') expect(error.message).not.toContain(value.slice(0, 10));
    expect(error.message).not.toContain(KEY_A.slice(0, 10));
  });

  it('refuses the same key twice', () => {
    expect(make([KEY_A, Buffer.from(KEY_A, 'base64').toString('hex')])).toThrow(/same key twice/);
  });

  it('accepts base64, base64url (with or without padding) and hex, and rotation lists', async () => {
    const raw = randomBytes(32);
    for (const key of [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), ` ${raw.toString('base64')}\n`, [KEY_B, KEY_A]]) {
      await make(key)().close();
    }
    expect(parseTokenEncryptionKeys(raw.toString('base64url'))![0]!.equals(raw)).toBe(true);
  });

  it('is refused beside a store of your own, which takes the key itself', () => {
    expect(() => createWechatLogin({ ...loginOptions(world), store: createMemoryStore(), tokenEncryptionKey: KEY_A }, { warn: () => undefined })).toThrow(
      /createMemoryStore\(\{ tokenEncryptionKey \}\)/,
    );
    expect(() => createMemoryStore({ tokenEncryptionKey: 'short' })).toThrow(/openssl rand -base64 32/);
    expect(() => createRedisStore({ redis: world.redis, appId: appId(), keyPrefix: 'x', tokenEncryptionKey: 'short' })).toThrow(/openssl rand -base64 32/);
  });
});
