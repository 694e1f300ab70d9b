import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES, hasErrcode } from '../errors.js';
import { openLoginState, usedMarkTtlMs } from '../login/authorization.js';
import { CODE_OUTCOME_TTL_MS, FAILED_CODE, hashCode, parseState } from '../login/login-state.js';
import { messagePage, pageView, snapshotPage } from '../http/pages.js';
import { safeReturnTo } from '../http/return-to.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import type { ScanDesk } from './desk.js';
import { phoneOutcomePage } from './pages.js';
import { phoneHashOf, sendPhoneOutcome } from './phone-routes.js';
import { ticketIdOfValue } from './ticket-token.js';

const log = logger('scan');
/** How long the desktop has to take a confirmed code: its next poll, well within. */
const COMPLETE_WITHIN_MS = 30_000;

type CallbackDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'api' | 'loginCookie' | 'stateCookies' | 'site'>;

/**
 * GET {prefix}/scan/callback?code=&state= — WeChat returns the phone's authorization made for the desktop. The
 * state must be one we issued for a scan ticket, unused, unexpired and bound to this phone's browser; the
 * WeChat user must be the one signed in on the phone. Then the ticket is confirmed holding the new tokens,
 * which the desktop takes as its own grant.
 */
export function scanCallbackRoute(runtime: CallbackDependencies, desk: ScanDesk) {
  const { config, store, api } = runtime;
  return async function scanCallback(req: Request, res: Response): Promise<void> {
    res.set('Cache-Control', 'no-store');
    const nonce = parseState(req.query.state, config.stateLabel);
    // The state's cookie and this browser's binder first (no store touched for a foreign browser), then its single use.
    const opened = openLoginState(runtime, req, nonce);
    const record = opened.kind === 'ours' && opened.state.scanTicketId ? opened.state : undefined;
    const code = typeof req.query.code === 'string' && req.query.code !== '' ? req.query.code : undefined;
    const codeHash = code === undefined ? undefined : hashCode(code);
    const claim = record
      ? await store.claimLoginState({ nonce: nonce!, stateTtlMs: usedMarkTtlMs(runtime, record), codeHash, codeTtlMs: CODE_OUTCOME_TTL_MS })
      : undefined;
    if (!record?.scanTicketId || !claim) {
      log('rejected scan callback: unknown, expired or foreign state');
      return void res.status(403).send(messagePage(pageView(config.pages, req), { name: 'confirm-expired', title: 'confirm.expiredTitle', text: 'confirm.expired' }));
    }
    // The phone's "Continue" link: the desktop's return address, on our origin only.
    const continueHref = safeReturnTo(record.returnTo, runtime.site.returnToPolicy(req));
    if (!claim.fresh) {
      // WeChat's double hit of this same callback: the first one is confirming the ticket.
      if (claim.outcome) return void res.status(200).send(phoneOutcomePage(pageView(config.pages, req), 'confirmed', continueHref));
      log('rejected scan callback: used state');
      return void res.status(403).send(messagePage(pageView(config.pages, req), { name: 'confirm-expired', title: 'confirm.expiredTitle', text: 'confirm.expired' }));
    }
    runtime.stateCookies.clear(req, res, nonce!);
    // The state carries the sealed ticket (the phone opened it, so it has a record under this id).
    const ticketValue = record.scanTicketId;
    const ticketId = ticketIdOfValue(ticketValue);
    const phoneUser = req.wechat.user;
    const phoneHash = phoneHashOf(req);
    const now = () => config.clock.now();
    if (!code || !codeHash || !phoneUser || !req.wechat.isAuthenticated()) {
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      return void res.status(403).send(phoneOutcomePage(pageView(config.pages, req), 'cancelled', continueHref));
    }

    let tokens;
    try {
      tokens = await api.exchangeCode(code);
    } catch (error) {
      await store.setCodeOutcome(nonce!, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS).catch(() => undefined);
      const { CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED } = WECHAT_ERRCODES;
      if (hasErrcode(error, CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED)) {
        // The ticket stays "confirming": Confirm again on its page starts a fresh authorization.
        return void res
          .status(403)
          .send(messagePage(pageView(config.pages, req), { name: 'confirm-not-accepted', title: 'confirm.againTitle', text: 'confirm.notAccepted', action: { href: desk.paths.ticket(ticketValue), label: 'confirm.again' } }));
      }
      throw error;
    }
    await store.setCodeOutcome(nonce!, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
    if (tokens.is_snapshotuser === 1) {
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      return void res.status(200).send(snapshotPage(pageView(config.pages, req)));
    }
    if (tokens.openid !== phoneUser.openid) {
      // Another WeChat account than the phone's session: never sign the desktop in as someone unconfirmed.
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      log('rejected scan callback: WeChat user differs from the phone session');
      return void res.status(403).send(phoneOutcomePage(pageView(config.pages, req), 'cancelled', continueHref));
    }
    const result = await store.scanTickets.confirm(
      ticketId,
      phoneHash,
      {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresIn: tokens.expires_in,
        scope: tokens.scope,
        openid: tokens.openid,
        userId: phoneUser.id,
      },
      now(),
      now() + COMPLETE_WITHIN_MS,
    );
    if (result !== 'ok') return sendPhoneOutcome(pageView(config.pages, req), res, result, continueHref);
    log('scan ticket confirmed');
    res.status(200).send(phoneOutcomePage(pageView(config.pages, req), 'confirmed', continueHref));
  };
}
