import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERR_REAUTHORIZATION_REQUIRED, createMemoryStore } from '../../lib/index.js';
import { createTestClock, startWechatEmulator, type TestClock, type WechatEmulator } from '../../lib/testing/index.js';
import { storeUnavailable } from '../../lib/store/store-error.js';
import type { GrantTokens } from '../../lib/store/types.js';
import { createTokenManager } from '../../lib/tokens/token-manager.js';
import { UNSAVED_TOKENS_MAX_ENTRIES, UNSAVED_TOKENS_TTL_MS, UnsavedTokens } from '../../lib/tokens/unsaved-tokens.js';
import { clientFor, codeFor, rejectionOf } from '../wechat/api-helpers.js';
import { HOUR_MS } from './token-helpers.js';

const tokens = (n: number): GrantTokens => ({ accessToken: `AT${n}`, refreshToken: `RT${n}`, expiresAt: 0, expiresIn: 7200, scope: 'snsapi_base' });

describe('tokens the store refused, kept in process memory', () => {
  it(`are kept for at most ${UNSAVED_TOKENS_MAX_ENTRIES} grants, the oldest forgotten first`, () => {
    const unsaved = new UnsavedTokens(createTestClock(0));
    for (let i = 0; i <= UNSAVED_TOKENS_MAX_ENTRIES; i++) unsaved.remember(`grant-${i}`, 1, tokens(i));
    expect(unsaved.size).toBe(UNSAVED_TOKENS_MAX_ENTRIES);
    expect(unsaved.get('grant-0')).toBeUndefined();
    expect(unsaved.get('grant-1')?.tokens.refreshToken).toBe('RT1');
    expect(unsaved.get(`grant-${UNSAVED_TOKENS_MAX_ENTRIES}`)?.tokens.refreshToken).toBe(`RT${UNSAVED_TOKENS_MAX_ENTRIES}`);
  });

  it('a grant remembered again counts from then: the newest, not the oldest', () => {
    const unsaved = new UnsavedTokens(createTestClock(0), { maxEntries: 2 });
    unsaved.remember('a', 1, tokens(1));
    unsaved.remember('b', 1, tokens(2));
    unsaved.remember('a', 2, tokens(3));
    unsaved.remember('c', 1, tokens(4));
    expect(unsaved.get('b')).toBeUndefined();
    expect(unsaved.get('a')).toEqual({ fromVersion: 2, tokens: tokens(3) });
  });

  it(`are forgotten ${UNSAVED_TOKENS_TTL_MS / 60_000} minutes after WeChat gave them, by the injected clock, even if nobody asks for them`, () => {
    const clock = createTestClock(0);
    const unsaved = new UnsavedTokens(clock);
    unsaved.remember('a', 1, tokens(1));
    clock.advance(60_000);
    unsaved.remember('b', 1, tokens(2));
    clock.advance(UNSAVED_TOKENS_TTL_MS - 60_000 - 1);
    expect(unsaved.get('a')?.tokens.refreshToken).toBe('RT1');
    clock.advance(1);
    expect(unsaved.get('a')).toBeUndefined();
    expect(unsaved.size).toBe(1);
    // Nobody asks for 'b' again: remembering another grant is enough to let it go.
    clock.advance(60_000);
    unsaved.remember('c', 1, tokens(3));
    expect(unsaved.size).toBe(1);
    expect(unsaved.get('c')).toBeDefined();
  });
});

describe('the token manager with tokens the store refused', () => {
  let clock: TestClock;
  let emulator: WechatEmulator;
  beforeAll(async () => {
    clock = createTestClock();
    emulator = await startWechatEmulator({ clock });
  });
  afterAll(async () => {
    await emulator.close();
  });

  /** A grant whose access token has expired, and a manager whose next token write the store refuses. */
  async function refusedRefresh(user: string) {
    const store = createMemoryStore({ clock });
    const api = clientFor(emulator);
    const manager = createTokenManager({ store, api, clock, skewMs: 5 * 60_000, lockTtlMs: 2_000, waitTimeoutMs: 3_000 });
    const { grantId } = await manager.createGrant(await api.exchangeCode(codeFor(emulator, user)), 1);
    const realReplace = store.grants.replaceTokens;
    store.grants.replaceTokens = async (...args) => {
      store.grants.replaceTokens = realReplace;
      throw storeUnavailable(Object.assign(new Error('READONLY You can’t write against a read only replica.'), { code: 'READONLY' }));
    };
    clock.advance(3 * HOUR_MS);
    emulator.resetCalls();
    expect(await rejectionOf(manager.getValidGrant(grantId))).toMatchObject({ status: 503 });
    expect(emulator.calls.refresh_token).toBe(1);
    return { manager, grantId };
  }

  it('stores them on the next call within the time they are kept, without refreshing again', async () => {
    const { manager, grantId } = await refusedRefresh('alice');
    clock.advance(UNSAVED_TOKENS_TTL_MS - 1_000);
    const grant = await manager.getValidGrant(grantId);
    expect(grant.version).toBe(2);
    expect(emulator.calls.refresh_token).toBe(1);
  });

  it('has forgotten them after that time: the stored refresh token is dead at WeChat, so the user authorizes again', async () => {
    const { manager, grantId } = await refusedRefresh('bob');
    clock.advance(UNSAVED_TOKENS_TTL_MS);
    expect(await rejectionOf(manager.getValidGrant(grantId))).toMatchObject({ code: ERR_REAUTHORIZATION_REQUIRED });
    expect(emulator.calls.refresh_token).toBe(2);
  });
});
