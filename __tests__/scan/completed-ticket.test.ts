import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestClock } from '../../lib/index.js';
import { createMemoryScanTickets } from '../../lib/scan/memory-tickets.js';
import { createKeys } from '../../lib/store/keys.js';
import type { ScanTicketTokens } from '../../lib/store/scan-ticket-types.js';
import { complete, desktopAgent, desktopOpens, phoneConfirms, signedInPhone, useScanWorld, type ScanWorld } from './scan-world.js';

/**
 * The desktop takes the tokens of a confirmed ticket once; after that the ticket is a "completed" mark and holds
 * no token at all (sealed or not), in Redis (HGETALL of its key) and in the memory twin (nothing keeps them).
 */
let s: ScanWorld;
useScanWorld((world) => (s = world));

describe('a completed scan ticket holds no token', () => {
  it('in Redis: HGETALL of the ticket after the desktop signed in has no token field', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    expect((await phoneConfirms(s.world, phone, code)).status).toBe(200);
    const key = createKeys('wol', s.world.emulator.defaultApp.appId).scanTicket(code.recordId);
    const confirmed = await s.world.redis.hgetall(key);
    expect(confirmed.state).toBe('confirmed');
    expect(Object.keys(confirmed)).toEqual(expect.arrayContaining(['accessToken', 'refreshToken'])); // what the test tells apart

    expect((await complete(desktop, code)).status).toBe(303);
    const completed = await s.world.redis.hgetall(key);
    expect(completed.state).toBe('completed');
    expect(Object.keys(completed).filter((field) => /token/i.test(field))).toEqual([]);
    expect(JSON.stringify(completed)).not.toMatch(/enc:v1:/);
  });

  it('in the memory twin: once taken, the store keeps no reference to the tokens', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = createTestClock();
    const tickets = createMemoryScanTickets(clock);
    const now = clock.now();
    const sealed = { ownerHash: 'desk', desktop: 'Chrome on Windows', createdAt: now, expiresAt: now + 60_000, digits: '' };
    expect((await tickets.scan('t1', sealed, 'phone', 'csrf', now)).result).toBe('ok');
    expect((await tickets.startConfirm('t1', 'phone', 'csrf', '', now)).result).toBe('ok');

    // The tokens live in this function's frame only: afterwards only the store could still hold them.
    const held = await (async (): Promise<WeakRef<ScanTicketTokens>> => {
      const tokens: ScanTicketTokens = { accessToken: 'at', refreshToken: 'rt', expiresIn: 7200, scope: 'snsapi_base', openid: 'o1', userId: 1 };
      expect(await tickets.confirm('t1', 'phone', tokens, now, now + 30_000)).toBe('ok');
      return new WeakRef(tokens);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(held.deref()).toBeDefined(); // confirmed: the store holds them for the desktop

    const taken = await (async () => (await tickets.complete('t1', 'desk', now)).result)();
    expect(taken).toBe('ok');
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(held.deref()).toBeUndefined();
    expect(await tickets.complete('t1', 'desk', now)).toEqual({ result: 'completed' });
  });
});
