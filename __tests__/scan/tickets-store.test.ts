import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createMemoryStore, createRedisStore, createTestClock, type TestClock } from '../../lib/index.js';
import type { ScanTicketStore, ScanTicketTokens } from '../../lib/store/scan-ticket-types.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

const TTL = 120_000;
const tokens: ScanTicketTokens = { accessToken: 'AT', refreshToken: 'RT', expiresIn: 7200, scope: 'snsapi_userinfo', openid: 'o1', userId: 7 };

/** The transitions of a scan ticket, the same in Redis (one script each) and in the memory store. */
describe.each(['redis', 'memory'] as const)('scan tickets in the %s store', (kind) => {
  let server: TestRedisServer | undefined;
  let tickets: ScanTicketStore;
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
    await tickets.create(id, { ownerHash: 'desk', desktop: 'Chrome on Windows', returnTo: '/p', createdAt: now, expiresAt: now + TTL, digits }, TTL);
    return id;
  }

  it('walks waiting → scanned → confirming → confirmed → completed, the desktop seeing only "scanned" before confirmation', async () => {
    const id = await newTicket('42');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('waiting');
    const scanned = await tickets.scan(id, 'phoneA', 'csrf1', clock.now());
    expect(scanned).toEqual({ result: 'ok', ticket: { desktop: 'Chrome on Windows', returnTo: '/p', createdAt: clock.now(), expiresAt: clock.now() + TTL, digits: '42', scope: 'snsapi_userinfo' } });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
    expect((await tickets.poll(id, 'desk', clock.now())).digits).toBe('42');
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '42', clock.now())).result).toBe('ok');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 30_000)).toBe('ok');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('confirmed');
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'ok', tokens, returnTo: '/p' });
    expect(await tickets.complete(id, 'desk', clock.now())).toEqual({ result: 'completed' });
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('completed');
  });

  it('with number matching, a wrong pick cancels the ticket at once', async () => {
    const id = await newTicket('42');
    await tickets.scan(id, 'phoneA', 'c', clock.now());
    expect(await tickets.startConfirm(id, 'phoneA', 'c', '17', clock.now())).toEqual({ result: 'mismatch', ticket: null });
    expect((await tickets.startConfirm(id, 'phoneA', 'c', '42', clock.now())).result).toBe('cancelled');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('cancelled');
  });

  it('belongs to the first phone: a second phone is refused at every step', async () => {
    const id = await newTicket();
    await tickets.scan(id, 'phoneA', 'csrf1', clock.now());
    expect(await tickets.scan(id, 'phoneB', 'csrf2', clock.now())).toEqual({ result: 'taken', ticket: null });
    expect((await tickets.startConfirm(id, 'phoneB', 'csrf1', '', clock.now())).result).toBe('taken');
    expect(await tickets.cancel(id, 'phoneB', clock.now())).toBe('taken');
    expect(await tickets.confirm(id, 'phoneB', tokens, clock.now(), clock.now() + 1)).toBe('taken');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('scanned');
  });

  it('confirms only with the CSRF token of the phone’s latest view, and never a ticket nobody scanned', async () => {
    const id = await newTicket();
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '', clock.now())).result).toBe('waiting');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 1)).toBe('waiting');
    await tickets.scan(id, 'phoneA', 'csrf1', clock.now());
    await tickets.scan(id, 'phoneA', 'csrf2', clock.now());
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf1', '', clock.now())).result).toBe('refused');
    expect(await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 1)).toBe('scanned');
    expect((await tickets.startConfirm(id, 'phoneA', 'csrf2', '', clock.now())).result).toBe('ok');
  });

  it('cannot be confirmed or completed after a cancel', async () => {
    const id = await newTicket();
    await tickets.scan(id, 'phoneA', 'c', clock.now());
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
    await tickets.scan(id, 'phoneA', 'c', clock.now());
    clock.advance(TTL);
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('expired');
    expect((await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now())).result).toBe('expired');
    expect(await tickets.scan(id, 'phoneA', 'c', clock.now())).toEqual({ result: 'expired', ticket: null });

    const late = await newTicket();
    await tickets.scan(late, 'phoneA', 'c', clock.now());
    await tickets.startConfirm(late, 'phoneA', 'c', '', clock.now());
    await tickets.confirm(late, 'phoneA', tokens, clock.now(), clock.now() + 5_000);
    clock.advance(5_000);
    expect(await tickets.complete(late, 'desk', clock.now())).toEqual({ result: 'expired' });
  });

  it('answers only the browser that holds its secret', async () => {
    const id = await newTicket();
    expect((await tickets.poll(id, 'other-desk', clock.now())).state).toBe('forbidden');
    await tickets.scan(id, 'phoneA', 'c', clock.now());
    await tickets.startConfirm(id, 'phoneA', 'c', '', clock.now());
    await tickets.confirm(id, 'phoneA', tokens, clock.now(), clock.now() + 30_000);
    expect(await tickets.complete(id, 'other-desk', clock.now())).toEqual({ result: 'forbidden' });
    expect(await tickets.complete(id, 'desk', clock.now())).toMatchObject({ result: 'ok' });
    expect((await tickets.poll('no-such-ticket', 'desk', clock.now())).state).toBe('expired');
  });

  it('limits counted polls per window, uncounted reads pass', async () => {
    const id = await newTicket();
    const limit = { windowMs: 10_000, max: 3 };
    for (let i = 0; i < 3; i++) expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('waiting');
    expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('limited');
    expect((await tickets.poll(id, 'desk', clock.now())).state).toBe('waiting');
    clock.advance(10_000);
    expect((await tickets.poll(id, 'desk', clock.now(), limit)).state).toBe('waiting');
  });

  it('numbers the event streams of a ticket: opening one counts up, plain reads tell the newest', async () => {
    const id = await newTicket();
    expect((await tickets.poll(id, 'desk', clock.now())).stream).toBe(0);
    expect((await tickets.poll(id, 'desk', clock.now(), undefined, true)).stream).toBe(1);
    expect((await tickets.poll(id, 'desk', clock.now(), undefined, true)).stream).toBe(2);
    expect((await tickets.poll(id, 'desk', clock.now())).stream).toBe(2);
    expect((await tickets.poll(id, 'other-desk', clock.now(), undefined, true)).stream).toBe(0);
    expect((await tickets.poll(id, 'desk', clock.now())).stream).toBe(2);
  });

  it('caps a browser’s open tickets; a slot frees itself when its ticket expires', async () => {
    const owner = `owner-${randomBytes(4).toString('hex')}`;
    const now = clock.now();
    expect(await tickets.reserve(owner, 't1', now, now + 1_000, 2)).toBe(true);
    expect(await tickets.reserve(owner, 't2', now, now + 2_000, 2)).toBe(true);
    expect(await tickets.reserve(owner, 't3', now, now + 2_000, 2)).toBe(false);
    expect(await tickets.reserve('another-browser', 't3', now, now + 2_000, 2)).toBe(true);
    expect(await tickets.reserve(owner, 't3', now + 1_000, now + 3_000, 2)).toBe(true);
  });
});
