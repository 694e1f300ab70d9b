import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ERR_REAUTHORIZATION_REQUIRED, type WechatLoginOptions } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import { DERIVED_KEY_INFO, deriveTokenKey } from '../../lib/store/token-cipher.js';
import { startWorld, type LoginWorld } from '../helpers/login-app.js';
import { asBrowser, freshPrefix, instance, loggedInBrowser, sessionIdOf, type Instance } from '../users/secrets-helpers.js';

/**
 * Sealed without configuration: with no tokenEncryptionKey, access and refresh tokens are sealed with a key
 * derived from the session secret (HKDF-SHA256), one per secret of the list (the first seals, any opens). A
 * key given still wins; records written before (plaintext, or sealed with the derived key) still read.
 */
const SECRET_1 = 'first-session-secret-0123456789abcdef-0123';
const SECRET_2 = 'second-session-secret-0123456789abcdef-012';
const KEY_A = randomBytes(32).toString('base64');
const idOfKey = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const derivedId = (secret: string) => idOfKey(deriveTokenKey(secret));
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
function app(prefix: string, secret: string | string[], extra: Partial<WechatLoginOptions> = {}): Instance {
  const made = instance(world, { keyPrefix: prefix, session: { secret }, ...extra });
  started.push(made);
  return made;
}

const appId = () => world.emulator.defaultApp.appId;
const grantKey = (prefix: string, cookie: string) => createKeys(prefix, appId()).grant(sessionIdOf(cookie));

async function tokensOf({ wechat }: Instance, cookie: string): Promise<string[]> {
  const grant = await wechat.tokens.getValidGrant(sessionIdOf(cookie));
  return [grant.accessToken, grant.refreshToken];
}

/** The whole Redis of this file, as text: every key, its value by type, and its DUMP. */
async function wholeRedis(redis: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys('*')) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    if (type === 'zset') parts.push((await redis.zrange(key, 0, -1)).join(' '));
    if (type === 'set') parts.push((await redis.smembers(key)).join(' '));
    if (type === 'list') parts.push((await redis.lrange(key, 0, -1)).join(' '));
    parts.push((await redis.dumpBuffer(key))?.toString('latin1') ?? '');
  }
  return parts.join('\n');
}

describe('tokens sealed by default', () => {
  it('derives the key with HKDF-SHA256 from the secret and a fixed label', () => {
    const key = deriveTokenKey(SECRET_1);
    expect(key).toHaveLength(32);
    expect(key.equals(deriveTokenKey(SECRET_1))).toBe(true);
    expect(key.equals(deriveTokenKey(SECRET_2))).toBe(false);
    expect(DERIVED_KEY_INFO).toBe('wechat-official-login token sealing v1');
  });

  it('after a login and a refresh with no key configured, no token is in Redis in plain text; all works', async () => {
    const prefix = freshPrefix('default');
    const one = app(prefix, SECRET_1);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    const first = await tokensOf(one, cookie);
    expect((await asBrowser(one.app, cookie, '/api/token', true)).body).toEqual({ token: first[0] });
    world.clock.advance(TWO_HOURS_MS);
    expect((await asBrowser(one.app, cookie, '/api/token', true)).status).toBe(200);
    expect(world.emulator.calls.refresh_token).toBe(1);
    const second = await tokensOf(one, cookie);
    expect(second[0]).not.toBe(first[0]);

    const text = await wholeRedis(world.redis);
    expect(text).toContain(prefix);
    for (const token of [...first, ...second]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(0, 16));
    }
    for (const value of await world.redis.hmget(grantKey(prefix, cookie), 'accessToken', 'refreshToken')) {
      expect(value).toMatch(new RegExp(`^enc:v1:${derivedId(SECRET_1)}:`));
    }
  });

  it('a grant written before, in plain text, still reads', async () => {
    const prefix = freshPrefix('legacy');
    const one = app(prefix, SECRET_1);
    const cookie = await loggedInBrowser(one.app, world, 'alice');
    const [access, refresh] = [`old-access-${randomBytes(8).toString('hex')}`, `old-refresh-${randomBytes(8).toString('hex')}`];
    await world.redis.hset(grantKey(prefix, cookie), 'accessToken', access, 'refreshToken', refresh);
    expect(await tokensOf(one, cookie)).toEqual([access, refresh]);
    expect((await asBrowser(one.app, cookie, '/api/token', true)).body).toEqual({ token: access });
  });

  it('a tokenEncryptionKey given later seals new writes, and what the derived key sealed still opens', async () => {
    const prefix = freshPrefix('then-key');
    const before = app(prefix, SECRET_1);
    const cookie = await loggedInBrowser(before.app, world, 'alice');
    const sealed = await tokensOf(before, cookie);
    const after = app(prefix, SECRET_1, { tokenEncryptionKey: KEY_A });
    expect(await tokensOf(after, cookie)).toEqual(sealed);
    world.clock.advance(TWO_HOURS_MS);
    expect((await asBrowser(after.app, cookie, '/api/token', true)).status).toBe(200);
    const [stored] = await world.redis.hmget(grantKey(prefix, cookie), 'accessToken');
    expect(stored).toMatch(new RegExp(`^enc:v1:${idOfKey(Buffer.from(KEY_A, 'base64'))}:`));
  });

  it('rotating the session secret: [new, old] still opens what old sealed and seals with new; [new] alone means authorize again', async () => {
    const prefix = freshPrefix('rotate');
    const old = app(prefix, SECRET_1);
    const cookie = await loggedInBrowser(old.app, world, 'alice');
    const sealed = await tokensOf(old, cookie);

    const rotating = app(prefix, [SECRET_2, SECRET_1]);
    expect((await asBrowser(rotating.app, cookie, '/api/token', true)).body).toEqual({ token: sealed[0] });
    world.clock.advance(TWO_HOURS_MS);
    expect((await asBrowser(rotating.app, cookie, '/api/token', true)).status).toBe(200);
    const [resealed] = await world.redis.hmget(grantKey(prefix, cookie), 'accessToken');
    expect(resealed).toMatch(new RegExp(`^enc:v1:${derivedId(SECRET_2)}:`));

    // A grant still sealed with the dropped secret's key cannot be opened: the user authorizes again.
    const other = await loggedInBrowser(old.app, world, 'bob');
    const onlyNew = app(prefix, SECRET_2);
    await expect(onlyNew.wechat.tokens.getValidGrant(sessionIdOf(other))).rejects.toMatchObject({ code: ERR_REAUTHORIZATION_REQUIRED });
    // (Its session cookie, signed with the dropped secret, is refused by express-session too.)
    expect((await asBrowser(onlyNew.app, other, '/api/token', true)).status).toBe(401);
  });
});
