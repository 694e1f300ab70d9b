import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMemoryStore, createRedisStore, createTestClock, type GrantStore } from '../../lib/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

const grant = {
  accessToken: 'AT', refreshToken: 'RT', expiresAt: 0, refreshExpiresAt: 0, expiresIn: 7200, scope: 'snsapi_base', openid: 'o', userId: 1,
};
const newTokens = { accessToken: 'AT2', refreshToken: 'RT2', expiresAt: 0, expiresIn: 7200, scope: 'snsapi_base' };

describe('the memory store keeps a grant’s expiry like Redis does', () => {
  it('does not extend a grant’s lifetime when its tokens are replaced or it is marked dead', async () => {
    const clock = createTestClock(0);
    const { grants } = createMemoryStore({ clock });
    const id = await grants.create(grant, 1_000);
    clock.advance(600);
    const replaced = await grants.replaceTokens(id, 1, newTokens);
    expect(replaced?.accessToken).toBe('AT2');
    expect(await grants.markDead(id, 2)).toBe(true);
    clock.advance(600);
    expect(await grants.get(id)).toBeNull();
  });
});

describe.each(['memory', 'redis'] as const)('the refresh lock of the %s store', (kind) => {
  let server: TestRedisServer | undefined;
  let grants: GrantStore;
  beforeAll(async () => {
    if (kind === 'memory') {
      grants = createMemoryStore({ clock: createTestClock(0) }).grants;
      return;
    }
    server = await startRedisServer();
    grants = createRedisStore({ redis: server.client(), appId: 'wx0123456789abcdef', keyPrefix: 'lock-test' }).grants;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("is taken by one owner at a time, each try telling the grant's version (null once the grant is gone)", async () => {
    const id = await grants.create(grant, 60_000);
    expect(await grants.tryLock(id, 'one', 10_000)).toEqual({ locked: true, version: 1 });
    expect(await grants.tryLock(id, 'two', 10_000)).toEqual({ locked: false, version: 1 });
    await grants.unlock(id, 'two');
    expect(await grants.tryLock(id, 'two', 10_000)).toEqual({ locked: false, version: 1 });
    await grants.unlock(id, 'one');
    expect(await grants.tryLock(id, 'two', 10_000)).toEqual({ locked: true, version: 1 });
    await grants.delete(id);
    expect((await grants.tryLock(id, 'three', 10_000)).version).toBeNull();
  });

  it("is given back by its holder's token write, whether or not the compare-and-set took it", async () => {
    const id = await grants.create(grant, 60_000);
    await grants.tryLock(id, 'holder', 10_000);
    expect(await grants.replaceTokens(id, 1, newTokens, 'someone-else')).not.toBeNull();
    expect((await grants.tryLock(id, 'next', 10_000)).locked).toBe(false);
    expect(await grants.replaceTokens(id, 1, newTokens, 'holder')).toBeNull(); // moved on: version 2
    expect(await grants.tryLock(id, 'next', 10_000)).toEqual({ locked: true, version: 2 });
  });

  it("is given back by its holder's markDead", async () => {
    const id = await grants.create(grant, 60_000);
    await grants.tryLock(id, 'holder', 10_000);
    expect(await grants.markDead(id, 1, 'holder')).toBe(true);
    expect(await grants.tryLock(id, 'next', 10_000)).toEqual({ locked: true, version: 2 });
  });
});
