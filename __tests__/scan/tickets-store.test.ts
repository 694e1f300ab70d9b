import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createMemoryStore, createRedisStore, createTestClock, type TestClock } from '../../lib/index.js';
import { createKeys } from '../../lib/store/keys.js';
import type { NewScanTicket, ScanTicketStore, ScanTicketTokens } from '../../lib/store/scan-ticket-types.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

const TTL = 120_000;
const tokens: ScanTicketTokens = { accessToken: 'AT', refreshToken: 'RT', expiresIn: 7200, scope: 'snsapi_userinfo', openid: 'o1', userId: 7 };

/** The transitions of a scan ticket, the same in Redis (one script each) and in the memory store. */
describe.each(['redis', 'memory'] as const)('scan tickets in the %s store', (kind) => {
  let server: TestRedisServer | undefined;
  let tickets: ScanTicketStore;
  /** What each ticket's sealed value holds (scan/ticket-token.ts): the store sees it only when a phone opens it. */
  const sealed = new Map<string, NewScanTicket>();
  const scan = (id: string, phone: string, csrf: string, now: number) => tickets.scan(id, sealed.get(id)!, phone, csrf, now);
  let clock: TestClock;
  beforeAll(async () => {
    clock = createTestClock(1_000_000);
    if (kind === 'memory') {
      tickets = createMemoryStore({ clock }).scanTickets;
      return;
    }
    server = await startRedisServer();
    tickets = createRedisStore({ redis: server.client(), appId: 'wx0123456789abcdef', keyPrefix: 'scan-test' }).scanTickets;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function newTicket(digits = ''): Promise<string> {
    const id = randomBytes(8).toString('hex');
    const now = clock.now();
    sealed.set(id, { ownerHash: 'desk', desktop: 'Chrome on Windows', createdAt: now, expiresAt: now + TTL, digits });
    return id;
  }

  it('walks waiting → scanned → confirming → confirmed → completed, the desktop seeing only "scanned" before confirmation', async () => {
    const id = await newTicket('42');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('unopened');
    const scanned = await scan(id, 'phoneA', 'csrf1', clock.now());
    expect(scanned).toEqual({ result: 'ok', ticket: { desktop: 'Chrome on Windows', createdAt: clock.now(), expiresAt: clock.now() + TTL, digits: '42', scope: 'snsapi_userinfo' } });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
    expect((await tickets.poll(id, 'desk', clock.now())).digits).toBe('42');
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '42', clock.now())).result).toBe('ok');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 30_000)).toBe('ok');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('confirmed');
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'ok', tokens });
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'completed' });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('completed');
  });

  it('with number matching, a wrong pick cancels the ticket at once', async () => {
    const id = await newTicket('42');
    await scan(id, 'phoneA', 'c', clock.now());
    expect(await tickets.startConfirm(id, 'phoneA', 'c', '17', clock.now())).toEqual({ result: 'mismatch', ticket: null });
    expect((await tickets.startConfirm(id, 'phoneA', 'c', '42', clock.now())).result).toBe('cancelled');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('cancelled');
  });

  it('belongs to the first phone: a second phone is refused at every step', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'csrf1', clock.now());
    expect(await scan(id, 'phoneB', 'csrf2', clock.now())).toEqual({ result: 'taken', ticket: null });
    expect((await tickets.startConfirm(id, 'phoneB', 'csrf1', '', clock.now())).result).toBe('taken');
    expect(await tickets.cancel(id, 'phoneB', clock.now())).toBe('taken');
    expect(await tickets.confirm(id, 'phoneB', tokens, clock.now(), clock.now() + 1)).toBe('taken');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
  });

  it('confirms only with the CSRF token of the phone’s latest view, and never a ticket nobody scanned', async () => {
    const id = await newTicket();
    // No phone opened it: there is no record to confirm.
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '', clock.now())).result).toBe('expired');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 1)).toBe('expired');
    await scan(id, 'phoneA', 'csrf1', clock.now());
    await scan(id, 'phoneA', 'csrf2', clock.now());
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '', clock.now())).result).toBe('refused');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 1)).toBe('scanned');
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf2', '', clock.now())).result).toBe('ok');
  });

  it('cannot be confirmed or completed after a cancel', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'c', clock.now());
    await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now());
    expect(await tickets.cancel(id, 'phoneA', clock.now(), 'wrong-csrf')).toBe('refused');
    expect(await tickets.cancel(id, 'phoneA', clock.now(), 'c')).toBe('ok');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 1)).toBe('cancelled');
    expect((await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now())).result).toBe('cancelled');
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'cancelled' });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('cancelled');
  });

  it('expires by the injected clock: nothing moves it afterwards, and a confirmed ticket must be completed within its window', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'c', clock.now());
    clock.advance(TTL);
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('expired');
    expect((await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now())).result).toBe('expired');
    expect(await scan(id, 'phoneA', 'c', clock.now())).toEqual({ result: 'expired', ticket: null });

    const late = await newTicket();
    await scan(late, 'phoneA', 'c', clock.now());
    await tickets.startConfirm(late, 'phoneA', 'c', '', clock.now());
    await tickets.confirm(late, 'phoneA', tokens, clock.now(), clock.now() + 5_000);
    clock.advance(5_000);
    expect(await tickets.complete(late, 'desk', clock.now())).toEqual({ result: 'expired' });
  });

  it('answers only the browser that holds its secret', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'c', clock.now());
    expect((await tickets.poll(id, 'other-desk', clock.now())).state).toBe('forbidden');
    await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now());
    await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 30_000);
    expect(await tickets.complete(id, 'other-desk', clock.now())).toEqual({ result: 'forbidden' });
    expect(await tickets.complete(id, 'desk', clock.now())).toMatchObject({ result: 'ok' });
    expect((await tickets.poll('no-such-ticket', 'desk', clock.now())).state).toBe('unopened');
  });

  it('limits counted polls per window, uncounted reads pass', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'c', clock.now());
    const limit = { windowMs: 10_000, max: 3 };
    for (let i = 0; i < 3; i++) expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('scanned');
    expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('limited');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
    clock.advance(10_000);
    expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('scanned');
  });

  it('has no record until a phone opens it: polls and completes read "unopened" and write nothing; an expired ticket never gets one', async () => {
    const id = await newTicket();
    const keys = kind === 'redis' ? await server!.client().keys('scan-test:*') : [];
    for (let i = 0; i < 5; i++) expect((await tickets.poll(id, 'desk', clock.now(), { windowMs: 10_000, max: 1 })).state).toBe('unopened');
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'unopened' });
    if (kind === 'redis') expect(await server!.client().keys('scan-test:*')).toEqual(keys);
    const late = await newTicket();
    clock.advance(TTL);
    expect(await scan(late, 'phoneA', 'c', clock.now())).toEqual({ result: 'expired', ticket: null });
    expect((await tickets.poll(late, 'desk', clock.now())).state).toBe('unopened');
  });

  it('keeps a completed record as long as its sealed ticket lives: it cannot be opened afresh (single use)', async () => {
    const id = await newTicket();
    await scan(id, 'phoneA', 'c', clock.now());
    await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now());
    await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 5_000);
    expect(await tickets.complete(id, 'desk', clock.now())).toMatchObject({ result: 'ok' });
    if (kind === 'redis') {
      // Redis keeps time by its own clock: the record's TTL covers the ticket's whole life (not only completeBy).
      const ttl = await server!.client().pttl(createKeys('scan-test', 'wx0123456789abcdef').scanTicket(id));
      expect(ttl).toBeGreaterThan(TTL);
    } else {
      clock.advance(TTL - 1);
    }
    expect(await scan(id, 'phoneB', 'c2', clock.now())).toEqual({ result: 'taken', ticket: null });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('completed');
  });
});
