import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { asDesktop, desktopAgent, desktopOpens, phoneScans, shownCode, signedInPhone, statusOf, useScanWorld, type ScanWorld } from './scan-world.js';

/**
 * Issue 19: a desktop visitor of a guarded page, and a scan code nobody has scanned, write nothing to Redis. The
 * code is a sealed value in the page and QR code; its record appears only when a phone opens it. What may remain
 * is a bounded counter per address (`:rl:` windows: the per-address count and the in-flight ceiling).
 */
let s: ScanWorld;
useScanWorld((world) => {
  s = world;
  s.desktopApp.set('trust proxy', 'loopback'); // X-Forwarded-For picks each request's client address
}, { rateLimit: { scanCodesPerMinutePerIp: 10_000, scanCodesInFlight: 100_000 } });

const N = 100;
const QUERY = 'q='.concat('x'.repeat(4_000)); // a guarded page with a 4 KB query

async function keysOf(): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await s.world.redis.scan(cursor, 'MATCH', 'wol:*', 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}
const isScanKey = (key: string) => /:scan(-open)?:\{/.test(key);
/** The keys added since `before` (the suite's Redis is shared by its tests, in any order). */
const addedSince = async (before: Set<string>) => (await keysOf()).filter((key) => !before.has(key));

/** N guarded visits and N scan pages (new browsers each), from `addresses` client addresses: every one shows a code. */
async function visit(addresses: number, tag: number): Promise<void> {
  for (let i = 0; i < N; i++) {
    const ip = `198.51.${tag}.${(i % addresses) + 1}`;
    const guarded = await asDesktop(request(s.desktopApp).get(`/profile?${QUERY}`)).set('X-Forwarded-For', ip);
    expect(guarded.status).toBe(401);
    expect(shownCode(guarded).ticketId).toMatch(/^[A-Za-z0-9_-]{60,400}$/);
    const page = await asDesktop(request(s.desktopApp).get('/auth/wechat/scan?returnTo=%2Fprofile')).set('X-Forwarded-For', ip);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('x'.repeat(100)); // the return address is not in the QR code's URL
    shownCode(page);
  }
}

describe('codes nobody scanned leave nothing in Redis', () => {
  it.each([
    ['one address', 1, 1],
    ['many addresses', 50, 2],
  ])(`%s (%s): ${N} guarded desktop visits and ${N} scan codes write no scan key, only a bounded counter per address`, async (_name, addresses, tag) => {
    const before = new Set(await keysOf());
    await visit(addresses, tag);
    const added = await addedSince(before);
    expect(added.filter(isScanKey)).toEqual([]);
    expect(added.filter((key) => !key.includes(':rl:'))).toEqual([]);
    expect(added.length).toBeLessThanOrEqual(addresses + 1); // scan-ip per address, and the one in-flight window
  });

  it('the desktop learns "waiting" from the sealed value alone, and the code a phone opens is the only one stored', async () => {
    const before = new Set(await keysOf());
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    for (let i = 0; i < 3; i++) expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'waiting' });
    expect((await addedSince(before)).filter(isScanKey)).toEqual([]);
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneScans(phone, code);
    const stored = (await addedSince(before)).filter(isScanKey);
    expect(stored).toEqual([`wol:${s.world.emulator.defaultApp.appId}:scan:{${code.recordId}}`]);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'scanned' });
    // What the phone's open stored: no return address (it never left the desktop).
    const record = await s.world.redis.hgetall(stored[0]!);
    expect(record.state).toBe('scanned');
    expect(Object.keys(record)).not.toContain('returnTo');
  });
});
