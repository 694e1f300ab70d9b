import type { Request, Response } from 'express';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES, hasErrcode } from '../errors.js';
import { browserBinderHash, takeLoginState } from '../login/authorization.js';
import { CODE_OUTCOME_TTL_MS, FAILED_CODE, hashCode, parseState, sameBinderHash } from '../login/login-state.js';
import { messagePage, pageView, snapshotPage } from '../http/pages.js';
import type { WechatLoginRuntime } from '../login/runtime.js';
import type { ScanDesk } from './desk.js';
import { phoneOutcomePage } from './pages.js';
import { phoneHashOf, sendPhoneOutcome } from './phone-routes.js';

const log = logger('scan');
/** How long the desktop has to take a confirmed code: its next poll, well within. */
const COMPLETE_WITHIN_MS = 30_000;

type CallbackDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'api' | 'loginCookie'>;

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
    const record = await takeLoginState(runtime, nonce);
    if (!record?.scanTicketId || !sameBinderHash(record.binderHash, browserBinderHash(runtime, req))) {
      log('rejected scan callback: unknown, used, expired or foreign state');
      return void res.status(403).send(messagePage(pageView(config.pages, req), { name: 'confirm-expired', title: 'confirm.expiredTitle', text: 'confirm.expired' }));
    }
    const ticketId = record.scanTicketId;
    const phoneUser = req.wechat.user;
    const phoneHash = phoneHashOf(req);
    const now = () => config.clock.now();
    const code = typeof req.query.code === 'string' && req.query.code !== '' ? req.query.code : undefined;
    if (!code || !phoneUser || !req.wechat.isAuthenticated()) {
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      return void res.status(403).send(phoneOutcomePage(pageView(config.pages, req), 'cancelled', record.returnTo));
    }
    const codeHash = hashCode(code);
    if (!(await store.claimCode(codeHash, CODE_OUTCOME_TTL_MS))) {
      // WeChat's double hit of this same callback: the first one is confirming the ticket.
      return void res.status(200).send(phoneOutcomePage(pageView(config.pages, req), 'confirmed', record.returnTo));
    }

    let tokens;
    try {
      tokens = await api.exchangeCode(code);
    } catch (error) {
      await store.setCodeOutcome(codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS).catch(() => undefined);
      const { CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED } = WECHAT_ERRCODES;
      if (hasErrcode(error, CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED)) {
        // The ticket stays "confirming": Confirm again on its page starts a fresh authorization.
        return void res
          .status(403)
          .send(messagePage(pageView(config.pages, req), { name: 'confirm-not-accepted', title: 'confirm.againTitle', text: 'confirm.notAccepted', action: { href: desk.paths.ticket(ticketId), label: 'confirm.again' } }));
      }
      throw error;
    }
    await store.setCodeOutcome(codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
    if (tokens.is_snapshotuser === 1) {
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      return void res.status(200).send(snapshotPage(pageView(config.pages, req)));
    }
    if (tokens.openid !== phoneUser.openid) {
      // Another WeChat account than the phone's session: never sign the desktop in as someone unconfirmed.
      await store.scanTickets.cancel(ticketId, phoneHash, now());
      log('rejected scan callback: WeChat user differs from the phone session');
      return void res.status(403).send(phoneOutcomePage(pageView(config.pages, req), 'cancelled', record.returnTo));
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
    if (result !== 'ok') return sendPhoneOutcome(pageView(config.pages, req), res, result, record.returnTo);
    log('scan ticket confirmed');
    res.status(200).send(phoneOutcomePage(pageView(config.pages, req), 'confirmed', record.returnTo));
  };
}
