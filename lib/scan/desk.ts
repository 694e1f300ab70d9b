import { randomInt } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ResolvedScanLoginConfig } from '../config/config.js';
import { logger } from '../debug.js';
import { messagePage, pageView, plain } from '../http/pages.js';
import { clientAddressKey } from '../http/client-address.js';
import { requestCounter } from '../http/rate-limit.js';
import { describeUserAgent } from './desktop-info.js';
import { createScanCookie, hashScanSecret, type ScanCookie } from './cookie.js';
import { qrCodeSvg } from '../http/qr-code.js';
import { desktopScanPage } from './pages.js';
import { createScanPaths, type ScanPaths } from './paths.js';
import { createStreamCaps, type StreamCaps } from './stream-caps.js';
import { createScanTicketSealer, type ScanTicketToken } from './ticket-token.js';
import { createUnopenedTickets, type UnopenedTickets } from './unopened-tickets.js';
import { createOpenCodesCookie } from './open-codes-cookie.js';
import type { DesktopPoll, PollLimit } from '../store/scan-ticket-types.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import { DEFAULTS } from '../config/config.js';
import type { WechatScope } from '../wechat/types.js';

const log = logger('scan');

export type ScanDeskDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'paths' | 'site'>;

/** Why no code was issued: the client address made too many, or this browser holds its maximum open. */
export type NoTicket = 'limited' | 'capped';

/**
 * The desktop side of scan to sign in, shared by the guard and the scan routes: issuing a ticket bound to this
 * browser, and its page.
 */
export interface ScanDesk {
  readonly settings: ResolvedScanLoginConfig;
  readonly paths: ScanPaths;
  readonly cookie: ScanCookie;
  /** The hash tickets keep of this browser's scan secret; undefined when it has none. */
  ownerHashOf(req: Request): string | undefined;
  /** The ticket of a sealed value (the QR code's, or a desktop link's `t`), expired or not; else undefined. */
  ticketOf(value: unknown): ScanTicketToken | undefined;
  /**
   * The desktop's poll of its ticket: 'forbidden' unless this browser's, 'expired' past its expiry, and for a
   * ticket no phone opened 'waiting' with the store finding no record (counted in this process).
   */
  poll(ticket: ScanTicketToken, ownerHash: string, limit?: PollLimit): Promise<{ state: DesktopPoll; digits: string }>;
  /** What counts a ticket's event streams (and an unopened ticket's polls) in this process. */
  readonly unopened: UnopenedTickets;
  /** A new code for this browser, shown with `status`; or why not (nothing is written then). */
  showNewCode(req: Request, res: Response, code: NewCode): Promise<NoTicket | undefined>;
  /** The page of a code this browser already holds (the no-JavaScript "check again"). */
  showCode(req: Request, res: Response, code: ShownCode): Promise<void>;
  /** This process's open event streams, bounded per browser, per address and in all. */
  readonly streams: StreamCaps;
}

export interface NewCode {
  status: number;
  returnTo: string;
  /** What the page needs: the phone authorizes the desktop with this scope. */
  scope: WechatScope;
  renewals: number;
}

export interface ShownCode {
  /** The sealed ticket (the QR code's and the links' `t`). */
  ticket: string;
  digits: string;
  state: 'waiting' | 'scanned';
  returnTo: string;
  scope: WechatScope;
  renewals: number;
}

export function createScanDesk(runtime: ScanDeskDependencies, settings: ResolvedScanLoginConfig): ScanDesk {
  const { config, store, paths, site } = runtime;
  const scanPaths = createScanPaths(config.prefix, settings.path);
  // Path '/': the guard shows codes on the app's own pages, and a browser must present one secret for all its
  // tabs (a cookie scoped to our routes would be replaced by every guarded page, orphaning the other tabs' codes).
  const cookie = createScanCookie({ name: `${config.session ? config.session.name : DEFAULTS.sessionName}.scan`, path: '/', site });
  const ownerHashOf = (req: Request) => {
    const secret = cookie.read(req);
    return secret ? hashScanSecret('owner', secret) : undefined;
  };
  const sealer = createScanTicketSealer(config.session ? [config.session.secret].flat() : [config.appSecret]);
  // The cap of open codes per browser is kept by the browser (nothing in Redis for a code nobody scanned).
  const openCodes = createOpenCodesCookie({ name: `${cookie.name}.open`, path: '/', site, sealer });
  const unopened = createUnopenedTickets(config.clock);

  // A code costs nothing in Redis until a phone opens it, but each one shown may be: an address's codes are counted.
  const countCodeOfAddress = config.rateLimit
    ? requestCounter(
        { store, clock: config.clock },
        { name: 'scan-ip', limit: config.rateLimit.scanCodesPerMinutePerIp, windowMs: 60_000, key: (req) => clientAddressKey(req.ip) },
      )
    : undefined;
  // A ceiling on the codes in flight from every address together (each lives ttlMs): many addresses cannot grow
  // Redis without bound either. Signed-in users get no code, so they are not affected; counted beside the address's
  // count (one round trip).
  const countCodeInFlight = config.rateLimit
    ? requestCounter({ store, clock: config.clock }, { name: 'scan-all', limit: config.rateLimit.scanCodesInFlight, windowMs: Math.ceil(settings.ttlMs), key: () => 'all' })
    : undefined;

  async function issue(req: Request, res: Response, { scope }: NewCode): Promise<{ ticket: string; digits: string } | NoTicket> {
    const [ofAddress, inFlight] = await Promise.all([countCodeOfAddress?.(req), countCodeInFlight?.(req)]);
    if (ofAddress?.allowed === false || inFlight?.allowed === false) return 'limited';
    const now = config.clock.now();
    const ownerHash = hashScanSecret('owner', cookie.secretFor(req, res));
    const expiresAt = now + settings.ttlMs;
    if (!openCodes.add(req, res, ownerHash, now, expiresAt, settings.maxOpenPerBrowser)) return 'capped';
    const digits = settings.numberMatching ? String(randomInt(10, 100)) : '';
    const desktop = describeUserAgent(req.get('user-agent'));
    const ticket = sealer.seal({ ownerHash, desktop, createdAt: now, expiresAt, digits, scope });
    log('scan ticket issued (%s)', desktop);
    return { ticket, digits };
  }

  async function poll(ticket: ScanTicketToken, ownerHash: string, limit?: PollLimit): Promise<{ state: DesktopPoll; digits: string }> {
    if (ticket.ownerHash !== ownerHash) return { state: 'forbidden', digits: '' };
    const read = await store.scanTickets.poll(ticket.id, ownerHash, config.clock.now(), limit);
    if (read.state !== 'unopened') return { state: read.state, digits: read.digits };
    // No phone opened it: what the sealed value says, counted here (nothing written).
    if (config.clock.now() >= ticket.expiresAt) return { state: 'expired', digits: '' };
    if (limit && !unopened.countPoll(ticket.id, limit)) return { state: 'limited', digits: '' };
    return { state: 'waiting', digits: ticket.digits };
  }

  async function showCode(req: Request, res: Response, code: ShownCode, status = 200): Promise<void> {
    const origin = site.originOf(req);
    const ticketUrl = `${origin}${scanPaths.ticket(code.ticket)}`;
    const qrSvg = await qrCodeSvg(ticketUrl);
    if (qrSvg === undefined) {
      res.status(400).type('html').send(messagePage(pageView(config.pages, req), { name: 'too-long', title: 'qr.tooLongTitle', text: 'qr.tooLong', action: { href: '/', label: 'common.home' } }));
      return;
    }
    const t = encodeURIComponent(code.ticket);
    // The links keep what the page needs: where to return, and a scope other than the default.
    const scope = code.scope !== config.scope ? `&scope=${code.scope}` : '';
    const back = `returnTo=${encodeURIComponent(code.returnTo)}${scope}`;
    const renewalsLeft = Math.max(0, settings.autoRenewals - code.renewals);
    res.set('Cache-Control', 'no-store');
    res
      .status(status)
      .type('html')
      .send(
        desktopScanPage(pageView(config.pages, req), {
          ticketId: code.ticket,
          ticketUrl,
          qrSvg,
          digits: code.digits,
          state: code.state,
          eventsUrl: `${scanPaths.events}?t=${t}`,
          statusUrl: `${scanPaths.status}?t=${t}`,
          // The return address stays on the desktop: in its links, never in the QR code.
          completeUrl: `${scanPaths.complete}?t=${t}&${back}`,
          checkUrl: `${scanPaths.page}?t=${t}&${back}&renew=${code.renewals}`,
          renewUrl: `${scanPaths.page}?${back}&renew=${code.renewals + 1}`,
          renewalsLeft,
          openInWechatUrl: `${paths.qr}?url=${encodeURIComponent(code.returnTo)}`,
          ttlSeconds: settings.ttlMs / 1000,
          emulatorHint: config.emulatorLink ? plain(pageView(config.pages, req), 'scan.emulatorHint') : undefined,
        }),
      );
  }

  return {
    settings,
    paths: scanPaths,
    cookie,
    ownerHashOf,
    ticketOf: (value) => sealer.open(value),
    poll,
    unopened,
    async showNewCode(req, res, code) {
      const { status, returnTo, renewals } = code;
      const issued = await issue(req, res, code);
      if (typeof issued === 'string') {
        log('no scan ticket: %s', issued);
        return issued;
      }
      await showCode(req, res, { ...issued, state: 'waiting', returnTo, scope: code.scope, renewals }, status);
      return undefined;
    },
    showCode: (req, res, code) => showCode(req, res, code),
    streams: createStreamCaps(),
  };
}
