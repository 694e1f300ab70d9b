import { randomBytes, randomInt } from 'node:crypto';
import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import type { PhoneStepResult } from '../store/scan-ticket-types.js';
import { startAuthorization } from '../login/authorization.js';
import { messagePage, pageView, type PageView } from '../http/pages.js';
import { isInWechat } from '../http/request-kind.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import { hashScanSecret } from './cookie.js';
import type { ScanDesk } from './desk.js';
import { openWithWechatPage, phoneConfirmPage, phoneOutcomePage } from './pages.js';

const log = logger('scan');

type PhoneDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'api' | 'apps' | 'paths' | 'site' | 'loginCookie' | 'stateCookies'>;

/** The phone's binding: its signed-in session. A second phone, or this phone signed in again, is another. */
export function phoneHashOf(req: Request): string {
  return hashScanSecret('phone', req.sessionID);
}

/** What the phone is told when a step finds the ticket elsewhere than expected. */
export function sendPhoneOutcome(view: PageView, res: Response, result: Exclude<PhoneStepResult, 'ok'>, continueHref = '/'): void {
  if (result === 'taken') return void res.status(409).send(phoneOutcomePage(view, 'taken', continueHref));
  if (result === 'mismatch') return void res.status(403).send(phoneOutcomePage(view, 'mismatch', continueHref));
  if (result === 'cancelled') return void res.status(200).send(phoneOutcomePage(view, 'cancelled', continueHref));
  if (result === 'confirmed' || result === 'completed') return void res.status(200).send(phoneOutcomePage(view, 'used', continueHref));
  res.status(410).send(phoneOutcomePage(view, 'expired', continueHref));
}

/**
 * GET {prefix}/scan/t/:ticketId — what the QR code opens. In WeChat: the normal authorization first (when the
 * phone is not signed in), then the ticket becomes this phone's and the confirm page shows what the desktop is.
 * Anywhere else nothing happens: the ticket is not touched and nobody is signed in.
 */
export function scanTicketRoute({ config, store, paths, site }: PhoneDependencies, desk: ScanDesk) {
  return async function scanTicket(req: Request, res: Response): Promise<void> {
    const value = String(req.params.ticketId ?? '');
    const sealed = desk.ticketOf(value);
    res.set('Cache-Control', 'no-store');
    if (!sealed) return void res.status(404).send(phoneOutcomePage(pageView(config.pages, req), 'expired', '/'));
    if (!isInWechat(req)) return void res.status(200).send(openWithWechatPage(pageView(config.pages, req)));
    if (!(await req.wechat.checkAuthenticated())) {
      return void res.redirect(302, paths.loginUrl({ returnTo: desk.paths.ticket(value) }));
    }
    const csrfToken = randomBytes(16).toString('base64url');
    const now = config.clock.now();
    // The first open makes the ticket's record (an expired ticket never gets one).
    const { id: ticketId, ...fromSeal } = sealed;
    const { result, ticket } = await store.scanTickets.scan(ticketId, fromSeal, phoneHashOf(req), hashScanSecret('csrf', csrfToken), now);
    if ((result !== 'ok' && result !== 'confirming') || !ticket) return sendPhoneOutcome(pageView(config.pages, req), res, result === 'ok' ? 'expired' : result);
    log('scan ticket scanned');
    res.status(200).send(
      phoneConfirmPage(pageView(config.pages, req), {
        desktop: ticket.desktop,
        host: new URL(site.originOf(req)).host,
        shownAt: ticket.createdAt,
        now,
        confirmAction: desk.paths.confirm(value),
        cancelAction: desk.paths.cancel(value),
        csrfToken,
        picks: ticket.digits ? picksAround(ticket.digits) : [],
      }),
    );
  };
}

/** The desktop's two digits among two other two-digit numbers, in random order. */
function picksAround(digits: string): string[] {
  const picks = new Set([digits]);
  while (picks.size < 3) picks.add(String(randomInt(10, 100)));
  const shuffled = [...picks];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled;
}

function formField(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length <= 64 ? value : '';
}

/**
 * POST {prefix}/scan/t/:ticketId/confirm — the phone's Confirm (same-origin, CSRF token of its confirm page,
 * the number picked when matching is on). After `onScanConfirm` allows it, the phone goes through WeChat's
 * authorization once more, for the desktop: its tokens become the desktop's own grant.
 */
export function scanConfirmRoute(runtime: PhoneDependencies, desk: ScanDesk) {
  const { config, store } = runtime;
  return async function scanConfirm(req: Request, res: Response): Promise<void> {
    const value = String(req.params.ticketId ?? '');
    const ticketId = desk.ticketOf(value)?.id;
    if (!ticketId) return void res.status(404).send(phoneOutcomePage(pageView(config.pages, req), 'expired', '/'));
    if (!(await req.wechat.checkAuthenticated())) return void res.redirect(303, desk.paths.ticket(value));
    const now = config.clock.now();
    const phoneHash = phoneHashOf(req);
    const { result, ticket } = await store.scanTickets.startConfirm(
      ticketId,
      phoneHash,
      hashScanSecret('csrf', formField(req, 'csrf')),
      formField(req, 'pick'),
      now,
    );
    if (result === 'refused' || result === 'waiting' || result === 'scanned' || result === 'confirming') {
      // An old or forged form: show the confirm page again (with a fresh token) rather than act on it.
      return void res
        .status(403)
        .send(messagePage(pageView(config.pages, req), { name: 'confirm-out-of-date', title: 'confirm.againTitle', text: 'confirm.outOfDate', action: { href: desk.paths.ticket(value), label: 'confirm.showAgain' } }));
    }
    if (result !== 'ok' || !ticket) return sendPhoneOutcome(pageView(config.pages, req), res, result === 'ok' ? 'expired' : result);

    const hook = desk.settings.onScanConfirm;
    if (hook) {
      let allowed: boolean;
      try {
        allowed = (await hook(req.wechat.user!, { description: ticket.desktop, shownAt: ticket.createdAt }, req)) === true;
      } catch (error) {
        await store.scanTickets.cancel(ticketId, phoneHash, now);
        throw error;
      }
      if (!allowed) {
        await store.scanTickets.cancel(ticketId, phoneHash, now);
        log('scan confirm vetoed by onScanConfirm');
        return void res.status(403).send(phoneOutcomePage(pageView(config.pages, req), 'vetoed', '/'));
      }
    }

    // The desktop's own authorization, bound to this phone's browser like any login. The desktop's return
    // address is not the phone's to know: the phone continues to the site's home.
    const { url } = await startAuthorization(runtime, req, res, {
      returnTo: '/',
      scope: ticket.scope,
      callbackPath: desk.paths.callback,
      scanTicketId: value,
    });
    res.redirect(303, url);
  };
}

/** POST {prefix}/scan/t/:ticketId/cancel — the phone's Cancel (same-origin, CSRF token). */
export function scanCancelRoute({ config, store }: PhoneDependencies, desk: ScanDesk) {
  return async function scanCancel(req: Request, res: Response): Promise<void> {
    const value = String(req.params.ticketId ?? '');
    const ticketId = desk.ticketOf(value)?.id;
    if (!ticketId) return void res.status(404).send(phoneOutcomePage(pageView(config.pages, req), 'expired', '/'));
    if (!(await req.wechat.checkAuthenticated())) return void res.redirect(303, desk.paths.ticket(value));
    const result = await store.scanTickets.cancel(ticketId, phoneHashOf(req), config.clock.now(), hashScanSecret('csrf', formField(req, 'csrf') || '-'));
    if (result === 'refused') {
      return void res
        .status(403)
        .send(messagePage(pageView(config.pages, req), { name: 'cancel-out-of-date', title: 'busy.title', text: 'confirm.outOfDate', action: { href: desk.paths.ticket(value), label: 'confirm.showAgain' } }));
    }
    if (result !== 'ok') return sendPhoneOutcome(pageView(config.pages, req), res, result);
    log('scan ticket cancelled on the phone');
    res.status(200).send(phoneOutcomePage(pageView(config.pages, req), 'cancelled', '/'));
  };
}
