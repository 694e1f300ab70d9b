import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../debug.js';
import { pageView } from '../http/pages.js';
import type { DesktopPoll } from '../store/scan-ticket-types.js';
import { sendTooManyRequests } from '../http/rate-limit.js';
import { prefersJson } from '../http/request-kind.js';
import { renderQrPage } from '../login/qr-route.js';
import { safeReturnTo } from '../http/return-to.js';
import { clientAddressKey } from '../http/client-address.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import type { ScanDesk } from './desk.js';
import { desktopOutcomePage } from './pages.js';
import { signInDesktop } from './sign-in.js';
import { isWechatScope, type WechatScope } from '../wechat/types.js';

const log = logger('scan');

/**
 * How often an open event stream reads its ticket: one script call each time, so at most one Redis command a
 * second per stream, and the desktop learns of a confirm within a second.
 */
export const EVENTS_POLL_MS = 1_000;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** The states after which nothing changes for the desktop: its event stream ends. */
const SETTLED: ReadonlySet<DesktopPoll> = new Set(['confirmed', 'cancelled', 'expired', 'completed', 'forbidden']);

type DesktopDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'site' | 'tokens' | 'paths'>;

/** The links' return address and scope, as the page keeps them. */
function backOf(returnTo: string, scope: WechatScope, defaultScope: WechatScope): string {
  return `returnTo=${encodeURIComponent(returnTo)}${scope === defaultScope ? '' : `&scope=${scope}`}`;
}

/** The counted poll that every status request, stream open and "check again" makes. */
function pollLimit(desk: ScanDesk) {
  return { windowMs: 10_000, max: desk.settings.pollsPer10Seconds };
}

/** How many fresh codes the page already made by itself (its `renew` parameter). */
function renewalsOf(value: unknown): number {
  return typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : 0;
}

function scopeOf(value: unknown, fallback: WechatScope): WechatScope {
  return isWechatScope(value) ? value : fallback;
}

/**
 * GET {prefix}/scan?returnTo= — a new code for this browser. With `?t=` (the "check again" link, no
 * JavaScript needed): the same code with its state, the sign-in once confirmed, or a new code once expired.
 */
export function scanPageRoute(runtime: DesktopDependencies, desk: ScanDesk) {
  const { config, site } = runtime;
  return async function scanPage(req: Request, res: Response): Promise<void> {
    const returnTo = safeReturnTo(req.query.returnTo, site.returnToPolicy(req));
    const renewals = renewalsOf(req.query.renew);
    const ticket = desk.ticketOf(req.query.t);
    const ownerHash = desk.ownerHashOf(req);
    const scope = scopeOf(req.query.scope, config.scope);
    const newCodeHref = `${desk.paths.page}?${backOf(returnTo, scope, config.scope)}`;
    // Already signed in with what the page needs: nothing to scan.
    if ((scope !== 'snsapi_userinfo' || req.wechat.scope === 'snsapi_userinfo') && (await req.wechat.checkAuthenticated())) {
      return void res.redirect(303, returnTo);
    }
    if (ticket && ownerHash) {
      const { state, digits } = await desk.poll(ticket, ownerHash, pollLimit(desk));
      const t = req.query.t as string;
      if (state === 'waiting' || state === 'scanned') return desk.showCode(req, res, { ticket: t, digits, state, returnTo, scope, renewals });
      if (state === 'confirmed') return void res.redirect(303, `${desk.paths.complete}?t=${encodeURIComponent(t)}&${backOf(returnTo, scope, config.scope)}`);
      if (state === 'completed') return void res.redirect(303, returnTo);
      if (state === 'cancelled') return void res.status(200).send(desktopOutcomePage(pageView(config.pages, req), 'cancelled', newCodeHref));
      if (state === 'limited') return sendTooManyRequests(req, res, 10_000, config.pages);
      // expired, or another browser's code: a fresh one for this browser
    }
    const refused = await desk.showNewCode(req, res, { status: 200, returnTo, scope, renewals });
    if (refused === 'limited') return sendTooManyRequests(req, res, 60_000, config.pages);
    if (refused === 'capped') {
      // This browser holds its maximum of codes: it can still open the page in WeChat.
      res.set('Retry-After', String(Math.ceil(desk.settings.ttlMs / 1000)));
      await renderQrPage(runtime, req, res, 429, returnTo);
    }
  };
}

/** GET {prefix}/scan/status?t= — `{ state }` for this browser's code (the polling fallback). */
export function scanStatusRoute({ config }: DesktopDependencies, desk: ScanDesk) {
  return async function scanStatus(req: Request, res: Response): Promise<void> {
    const ticket = desk.ticketOf(req.query.t);
    const ownerHash = desk.ownerHashOf(req);
    res.set('Cache-Control', 'no-store');
    if (!ticket || !ownerHash) return void res.status(403).json({ state: 'forbidden' });
    const { state } = await desk.poll(ticket, ownerHash, pollLimit(desk));
    if (state === 'limited') return sendTooManyRequests(req, res, 10_000, config.pages);
    res.status(state === 'forbidden' ? 403 : 200).json({ state });
  };
}

/**
 * GET {prefix}/scan/events?t= — Server-Sent Events: `event: state` with `{ state }` at once and on every change,
 * the stream ending when the code is settled or expired, or when a newer stream of the same code opened. Each
 * open is a counted poll; the stream itself reads the ticket every EVENTS_POLL_MS (one script call), so any
 * process sharing Redis can serve it.
 */
export function scanEventsRoute({ config }: DesktopDependencies, desk: ScanDesk) {
  return async function scanEvents(req: Request, res: Response): Promise<void> {
    const ticket = desk.ticketOf(req.query.t);
    const ownerHash = desk.ownerHashOf(req);
    if (!ticket || !ownerHash) return void res.status(403).json({ state: 'forbidden' });
    let { state } = await desk.poll(ticket, ownerHash, pollLimit(desk));
    if (state === 'limited') return sendTooManyRequests(req, res, 10_000, config.pages);
    if (state === 'forbidden') return void res.status(403).json({ state });
    const release = desk.streams.open(clientAddressKey(req.ip), ownerHash);
    // Past the caps the page polls instead (EventSource fails, the client falls back to /status).
    if (!release) return sendTooManyRequests(req, res, EVENTS_POLL_MS * 5, config.pages);

    // One live stream per code in this process: a newer one (another tab, a reconnect) ends this one.
    const stream = desk.unopened.openStream(ticket.id);
    const end = () => {
      stream.end();
      release();
    };
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    let closed = false;
    req.on('close', () => {
      closed = true;
      end();
    });
    const send = (value: DesktopPoll) => res.write(`event: state\ndata: ${JSON.stringify({ state: value })}\n\n`);
    res.write('retry: 2000\n\n');
    send(state);
    // Bounded in real time too: a stream never outlives its code (the client reconnects if it must).
    const deadline = Date.now() + desk.settings.ttlMs + 5_000;
    let lastWrite = Date.now();
    try {
      while (!closed && !SETTLED.has(state) && Date.now() < deadline) {
        await sleep(EVENTS_POLL_MS);
        if (closed) break;
        // A newer stream of this code took over (another tab, a reconnect): this one ends, so a browser cannot
        // pile up streams that each read Redis once a second.
        if (!stream.isNewest()) break;
        const next = (await desk.poll(ticket, ownerHash)).state;
        if (next !== state) {
          state = next;
          send(state);
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      }
    } catch (error) {
      // Headers are sent: the client's EventSource reconnects (or falls back to polling).
      log('event stream ended by a store error: %s', (error as Error)?.message);
    }
    end();
    res.end();
  };
}

/** GET {prefix}/scan/complete?t= — the desktop takes its confirmed code (once) and is signed in, then returnTo. */
export function scanCompleteRoute(runtime: DesktopDependencies, desk: ScanDesk) {
  const { config, store } = runtime;
  return async function scanComplete(req: Request, res: Response): Promise<void> {
    const ticket = desk.ticketOf(req.query.t);
    const ownerHash = desk.ownerHashOf(req);
    const newCode = `${desk.paths.page}`;
    if (!ticket || !ownerHash || ticket.ownerHash !== ownerHash) return void res.status(403).send(desktopOutcomePage(pageView(config.pages, req), 'forbidden', newCode));
    // The return address is the desktop's own link's (never stored with the ticket), checked as any.
    const returnTo = safeReturnTo(req.query.returnTo, runtime.site.returnToPolicy(req));
    const outcome = await store.scanTickets.complete(ticket.id, ownerHash, config.clock.now());
    if (outcome.result === 'ok') {
      if (!(await signInDesktop(runtime, req, outcome.tokens))) return void res.status(410).send(desktopOutcomePage(pageView(config.pages, req), 'expired', newCode));
      log('desktop signed in by scan');
      if (prefersJson(req)) return void res.json({ signedIn: true, returnTo });
      return void res.redirect(303, returnTo);
    }
    const state = outcome.result === 'unopened' ? (config.clock.now() >= ticket.expiresAt ? 'expired' : 'waiting') : outcome.result;
    const scope = scopeOf(req.query.scope, config.scope);
    if (state === 'waiting' || state === 'scanned') return void res.redirect(303, `${desk.paths.page}?t=${encodeURIComponent(req.query.t as string)}&${backOf(returnTo, scope, config.scope)}`);
    if (state === 'completed') return void res.redirect(303, '/');
    if (state === 'forbidden') return void res.status(403).send(desktopOutcomePage(pageView(config.pages, req), 'forbidden', newCode));
    if (state === 'cancelled') return void res.status(200).send(desktopOutcomePage(pageView(config.pages, req), 'cancelled', newCode));
    res.status(410).send(desktopOutcomePage(pageView(config.pages, req), 'expired', newCode));
  };
}
