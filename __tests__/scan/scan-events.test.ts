import { describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { useRedisMonitor } from '../helpers/redis-monitor.js';
import type { Agent } from '../helpers/login-app.js';
import {
  authorizeForDesktop,
  complete,
  desktopAgent,
  desktopOpens,
  phoneScans,
  postCancel,
  postConfirm,
  signedInPhone,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';
import { reportFigure } from '../helpers/figures.js';
import { EVENTS_POLL_MS } from '../../lib/scan/desktop-routes.js';

let s: ScanWorld;
useScanWorld((world) => (s = world));
const monitor = useRedisMonitor(
  () => s.world.redisServer.port,
  () => s.world.redis.ping(),
);

/** The event stream's body, read to its end (the server ends it when the code settles). */
function openStream(agent: Agent, ticketId: string): Promise<request.Response> {
  return agent
    .get(`/auth/wechat/scan/events?t=${ticketId}`)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    })
    .then((res) => res);
}

function statesIn(body: string): string[] {
  return [...body.matchAll(/event: state\ndata: (\{.*\})\n\n/g)].map((m) => JSON.parse(m[1]!).state);
}

const until = async (check: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

describe('the desktop’s event stream (Server-Sent Events)', () => {
  it('delivers waiting, scanned and confirmed from another app instance’s writes, then ends; the desktop signs in', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    const stream = openStream(desktop, code.ticketId);
    const page = await phoneScans(phone, code);
    await new Promise((r) => setTimeout(r, 1_300)); // one stream read (once a second) sees "scanned"
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    await authorizeForDesktop(s.world, phone, confirm);
    const res = await stream;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(statesIn(res.body as string)).toEqual(['waiting', 'scanned', 'confirmed']);
    await complete(desktop, code).expect(303);
    expect((await whoIs(desktop)).status).toBe(200);
  });

  it('delivers "cancelled" and ends when the phone cancels', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    const stream = openStream(desktop, code.ticketId);
    const page = await phoneScans(phone, code);
    await postCancel(phone, code, { csrf: page.csrf });
    const states = statesIn((await stream).body as string);
    expect(states[0]).toBe('waiting');
    expect(states.at(-1)).toBe('cancelled');
  });

  it('ends with "expired" when the code expires (injected clock)', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const stream = openStream(desktop, code.ticketId);
    await new Promise((r) => setTimeout(r, 100));
    s.world.clock.advance(120_000);
    expect(statesIn((await stream).body as string)).toEqual(['waiting', 'expired']);
  });

  it('keeps one live stream per code: a newer stream of the same code ends the older one', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const first = openStream(desktop, code.ticketId);
    await new Promise((r) => setTimeout(r, 200));
    const second = openStream(desktop, code.ticketId);
    const older = await first; // ended by the newer one, before the code settled
    expect(statesIn(older.body as string)).toEqual(['waiting']);
    const phone = await signedInPhone(s.world, s.phoneApp);
    const page = await phoneScans(phone, code);
    await postCancel(phone, code, { csrf: page.csrf });
    expect(statesIn((await second).body as string).at(-1)).toBe('cancelled');
  });

  it('costs one Redis command per read: each status poll and each stream tick is one EVALSHA on the ticket’s key', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    // A script's first use on a connection is one EVAL (ioredis then sends EVALSHA): warm up, then count.
    await desktop.get(`/auth/wechat/scan/status?t=${code.ticketId}`).set('Accept', 'application/json').expect(200);
    await monitor.settle();
    monitor.reset();
    const polls = 5;
    for (let i = 0; i < polls; i++) await desktop.get(`/auth/wechat/scan/status?t=${code.ticketId}`).set('Accept', 'application/json').expect(200);
    await monitor.settle();
    const perPoll = monitor.seen.filter((c) => c.source !== 'lua');
    expect(perPoll.map((c) => c.args.slice(0, 2).join(' ').toLowerCase())).toEqual(Array(polls).fill(expect.stringMatching(/^evalsha /)));

    const phone = await signedInPhone(s.world, s.phoneApp);
    const page = await phoneScans(phone, code);
    await monitor.settle();
    monitor.reset();
    const started = Date.now();
    const stream = openStream(desktop, code.ticketId);
    await new Promise((r) => setTimeout(r, 2_100));
    await postCancel(phone, code, { csrf: page.csrf });
    await stream;
    const elapsed = Date.now() - started;
    await monitor.settle();
    const ticketKey = (c: { args: string[] }) => c.args.some((a) => a.includes(`:scan:{${code.recordId}}`));
    const streamReads = monitor.seen.filter((c) => c.source !== 'lua' && ticketKey(c) && c.args[0]!.toLowerCase() === 'evalsha');
    const ticks = Math.floor(elapsed / EVENTS_POLL_MS);
    // The open (a counted poll), one read per tick (a second), and the phone's cancel.
    expect(streamReads.length).toBeGreaterThanOrEqual(3);
    expect(streamReads.length).toBeLessThanOrEqual(ticks + 3);
    const lua = monitor.seen.filter((c) => c.source === 'lua' && ticketKey(c)).map((c) => c.args[0]!.toLowerCase());
    reportFigure(
      `scan events: ${polls} status polls → ${perPoll.length} Redis commands (${perPoll.map((c) => c.args[0]).join(', ')}); ` +
        `stream open ${elapsed} ms → ${streamReads.length} EVALSHA on the ticket (${ticks} ticks of ${EVENTS_POLL_MS} ms, + open + cancel); inside the scripts: ${[...new Set(lua)].join(', ')}`,
    );
  });

  it('time from the phone’s confirmation to the desktop signed in, over the event stream', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const desktop = desktopAgent(s.desktopApp);
      const code = await desktopOpens(desktop);
      const phone = await signedInPhone(s.world, s.phoneApp);
      const page = await phoneScans(phone, code);
      let confirmedAt = 0;
      let signedInAt = 0;
      const stream = openStream(desktop, code.ticketId);
      await new Promise((r) => setTimeout(r, 150 + i * 170)); // land at different points of the tick
      confirmedAt = Date.now();
      const confirm = await postConfirm(phone, code, { csrf: page.csrf });
      await authorizeForDesktop(s.world, phone, confirm);
      await stream; // ends on "confirmed"
      await complete(desktop, code).expect(303);
      signedInAt = Date.now();
      await until(() => signedInAt > 0);
      samples.push(signedInAt - confirmedAt);
      expect((await whoIs(desktop)).status).toBe(200);
    }
    reportFigure(`scan: Confirm tapped → desktop signed in: ${samples.map((ms) => `${ms} ms`).join(', ')} (stream reads every ${EVENTS_POLL_MS} ms)`);
    expect(Math.max(...samples)).toBeLessThan(2_000);
  });
});
