import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES, hasErrcode, isTransientError } from '../errors.js';
import { browserBinderHash, openLoginState, usedMarkTtlMs } from './authorization.js';
import { CODE_OUTCOME_TTL_MS, FAILED_CODE, hashCode, parseState, sameBinderHash } from './login-state.js';
import { messagePage, pageView, snapshotPage } from '../http/pages.js';
import type { PendingLogin } from './login-cookie.js';
import type { WechatLoginRuntime } from './runtime.js';
import { profileFromTokens } from '../wechat/service.js';
import { requestCookie } from '../http/request-cookie.js';
import { regenerateSession } from '../session/session.js';
import { sendUnavailable } from '../http/unavailable.js';
import { prefersJson } from '../http/request-kind.js';
import { safeReturnTo } from '../http/return-to.js';
import { sendTooManyRequests, type RateLimitReservation } from '../http/rate-limit.js';
import { saveLogin, signInSession } from './sign-in-session.js';
import { callbackLimits } from './login-limits.js';
import type { LoginStateCookie } from './state-cookie.js';
import type { CodeOutcome } from '../store/types.js';

const log = logger('callback');
/** How long a repeated callback waits for the first one (WeChat's double hit) to finish. */
const OUTCOME_WAIT_MS = 5_000;

type CallbackDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'apps' | 'tokens' | 'paths' | 'site' | 'loginCookie' | 'stateCookies'>;

/**
 * GET {prefix}/callback?code=&state= — WeChat's redirect back. Nothing is logged in unless the state is one we
 * issued (its sealed cookie is in this browser, with this browser's binder), unexpired and unused. The cookie
 * and the binder are checked first, without the store: a foreign browser cannot use up a victim's state. Then one
 * round trip marks the state used, claims the code and reserves the exchange in the address's budget.
 */
export function callbackRoute(runtime: CallbackDependencies) {
  const { config, paths } = runtime;
  const limits = callbackLimits(runtime);

  return async function callback(req: Request, res: Response): Promise<void> {
    const retry = req.query.retry === '1';
    const code = typeof req.query.code === 'string' && req.query.code !== '' ? req.query.code : undefined;
    const nonce = parseState(req.query.state, config.stateLabel);
    const binderHash = browserBinderHash(runtime, req);
    const opened = openLoginState(runtime, req, nonce);

    if (opened.kind !== 'ours') {
      // A repeat of a callback that already succeeded (a reload, the back button: its cookie went at success)
      // lands where the first one went, logged in; only a browser with a binder can be that one.
      if (opened.kind === 'none' && nonce && code && binderHash && (await resumeSucceededLogin(runtime, req, res, nonce, hashCode(code), binderHash))) return;
      if (!(await limits.countBadCallback(req, res))) return;
      if (opened.kind === 'foreign') {
        log('rejected callback: state belongs to another browser');
        res.status(403).send(
          messagePage(pageView(config.pages, req), {
            name: 'other-browser',
            title: 'callback.otherBrowserTitle',
            text: 'callback.otherBrowser',
            action: { href: paths.loginUrl({ returnTo: opened.state.returnTo }), label: 'common.signIn' },
          }),
        );
        return;
      }
      log('rejected callback: %s state', opened.kind === 'expired' ? 'expired' : nonce ? 'unknown' : 'missing or malformed');
      // The state's cookie (or, once it expired, the login cookie's copy) knows where this login was going.
      rejectStaleCallback(runtime, req, res, retry || (opened.kind === 'expired' && opened.state.retry), opened.kind === 'expired' ? opened.state : nonce ? runtime.loginCookie.recall(req, nonce) : undefined);
      return;
    }

    // Checked again with this deployment's policy: another deployment sharing the secret may allow other hosts.
    const state = { ...opened.state, returnTo: safeReturnTo(opened.state.returnTo, runtime.site.returnToPolicy(req)) };
    const codeHash = code === undefined ? undefined : hashCode(code);
    const restart = paths.loginUrl({ returnTo: state.returnTo, scope: state.scope });
    const [claimed, reserved] = await Promise.allSettled([
      runtime.store.claimLoginState({ nonce: nonce!, stateTtlMs: usedMarkTtlMs(runtime, state), codeHash, codeTtlMs: CODE_OUTCOME_TTL_MS }),
      code === undefined ? Promise.resolve(undefined) : limits.reserveExchange(req),
    ]);
    const reservation = reserved.status === 'fulfilled' ? reserved.value : undefined;
    if (claimed.status === 'rejected' || reserved.status === 'rejected') {
      // Redis stalled or failed in this step: whatever it did when it came back, this callback cannot be repeated
      // (its state may be used up). "Try again" starts a fresh login to the same place, which can succeed.
      await reservation?.release().catch(() => undefined);
      if (claimed.status === 'fulfilled' && claimed.value.fresh && codeHash) {
        await runtime.store.setCodeOutcome(nonce!, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS).catch(() => undefined);
      }
      const error = claimed.status === 'rejected' ? claimed.reason : (reserved as PromiseRejectedResult).reason;
      if (!isTransientError(error)) throw error;
      log('state not claimable for now (%s): offering a fresh login', (error as { code?: unknown }).code);
      sendTryAgain(runtime, req, res, restart);
      return;
    }
    const claim = claimed.value;

    if (!claim.fresh) {
      await reservation?.release();
      // Used. WeChat's double hit (the same code twice) follows the first one to where it lands.
      if (codeHash && claim.outcome && (await resumeSucceededLogin(runtime, req, res, nonce!, codeHash, state.binderHash, claim.outcome))) return;
      if (!(await limits.countBadCallback(req, res))) return;
      log('rejected callback: used state');
      rejectStaleCallback(runtime, req, res, retry || state.retry, state);
      return;
    }
    if (!code || !codeHash) {
      log('user declined authorization');
      runtime.stateCookies.clear(req, res, nonce!);
      res.status(403).send(messagePage(pageView(config.pages, req), {
        name: 'declined',
        title: 'callback.declinedTitle',
        text: 'callback.declined',
        action: { href: paths.loginUrl({ returnTo: state.returnTo, scope: state.scope }), label: 'common.tryAgain' },
      }));
      return;
    }
    if (!reservation!.allowed) {
      // This address had too many codes refused by WeChat lately: no exchange (made-up codes spend the app's quota).
      await runtime.store.setCodeOutcome(nonce!, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
      sendTooManyRequests(req, res, reservation!.retryAfterMs, config.pages);
      return;
    }
    try {
      await exchangeAndLogIn(runtime, req, res, { nonce: nonce!, state, code, codeHash, retry: retry || state.retry, reservation: reservation! });
    } catch (error) {
      // A repeated callback must not wait on a "pending" outcome that will never settle.
      await runtime.store.setCodeOutcome(nonce!, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS).catch(() => undefined);
      if (!isTransientError(error) || res.headersSent) throw error;
      log('login failed for now (%s): offering a fresh login', (error as { code?: unknown }).code);
      sendTryAgain(runtime, req, res, restart);
    }
  };
}

/**
 * WeChat (or Redis) busy for the moment: 503, nothing logged in, and a button that starts a fresh login to where
 * this one was going (this callback's state and code may be spent: repeating it could not succeed).
 */
function sendTryAgain({ config }: Pick<WechatLoginRuntime, 'config'>, req: Request, res: Response, href: string): void {
  const view = pageView(config.pages, req);
  sendUnavailable(res, prefersJson(req), messagePage(view, { name: 'busy', title: 'busy.title', text: 'busy.callback', action: { href, label: 'common.tryAgain' } }));
}

interface Exchange {
  nonce: string;
  state: LoginStateCookie;
  code: string;
  codeHash: string;
  retry: boolean;
  reservation: RateLimitReservation;
}

async function exchangeAndLogIn(
  runtime: CallbackDependencies,
  req: Request,
  res: Response,
  { nonce, state, code, codeHash, retry, reservation }: Exchange,
): Promise<void> {
  const { config, store } = runtime;
  // The code is the app's the login went to (the state says which): exchanged, and the profile read, with its credentials.
  const app = runtime.apps.byKind(state.app);
  const { api } = app;

  let tokens;
  try {
    tokens = await api.exchangeCode(code);
  } catch (error) {
    const { CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED } = WECHAT_ERRCODES;
    const refused = hasErrcode(error, CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED);
    // A refused code keeps its place in the address's budget; any other failure was not the code's fault.
    if (!refused) await reservation.release().catch(() => undefined);
    if (refused && !retry) {
      // The code went stale (a lost first attempt, a slow user): a fresh authorization, once.
      log('code refused (%d): restarting the login once', error.errcode);
      await store.setCodeOutcome(nonce, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
      runtime.stateCookies.clear(req, res, nonce);
      res.redirect(302, runtime.paths.loginUrl({ returnTo: state.returnTo, scope: state.scope, retry: true }));
      return;
    }
    throw error;
  }

  if (tokens.is_snapshotuser === 1) {
    // A snapshot page's identity is virtual: no account, no login.
    await Promise.all([store.setCodeOutcome(nonce, codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS), reservation.release()]);
    log('snapshot-page visitor: not logged in');
    if (config.onSnapshotUser) {
      await config.onSnapshotUser({ openid: tokens.openid, scope: tokens.scope, returnTo: state.returnTo }, req, res);
      if (!res.headersSent) res.status(200).send(snapshotPage(pageView(config.pages, req)));
    } else {
      res.status(200).send(snapshotPage(pageView(config.pages, req)));
    }
    return;
  }

  const profile = await profileFromTokens(api, tokens, config.lang);
  const user = await store.users.upsert(
    { ...profile, appId: app.appId },
    { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresIn: tokens.expires_in },
    config.clock.now(),
  );
  const account = config.onLogin ? await config.onLogin(user, req) : undefined;
  // The outcome (for WeChat's double hit) and the budget's place go with the session's save: one round trip.
  const login = await signInSession(runtime, req, {
    user,
    tokens,
    account,
    previousGrantId: await startFreshSession(runtime, req),
    ...(app.kind === 'website' ? { app: { kind: 'website' as const, appId: app.appId } } : {}),
    alongside: (login) => [
      store.setCodeOutcome(nonce, codeHash, { status: 'success', binderHash: state.binderHash, returnTo: state.returnTo, login }, CODE_OUTCOME_TTL_MS),
      reservation.release(),
    ],
  });
  runtime.stateCookies.clear(req, res, nonce);
  log('logged in user %d (scope %s)', user.id, login.scope);
  res.redirect(302, state.returnTo);
}

/**
 * A new session id at login (no fixation); nothing of the previous session is carried over. A request that
 * brought no session cookie already has a fresh id that no browser has seen: it is kept (no store round trip).
 */
async function startFreshSession({ config }: Pick<WechatLoginRuntime, 'config'>, req: Request): Promise<string | undefined> {
  const previousGrantId = req.session.wechat?.login?.grantId;
  const cookieName = config.session ? config.session.name : undefined;
  const broughtSession = cookieName === undefined || requestCookie(req, cookieName) !== undefined;
  if (broughtSession) await regenerateSession(req);
  return previousGrantId;
}

async function resumeSucceededLogin(
  runtime: CallbackDependencies,
  req: Request,
  res: Response,
  nonce: string,
  codeHash: string,
  binderHash: string | undefined,
  known?: CodeOutcome,
): Promise<boolean> {
  const outcome = known?.status === 'success' ? known : await waitForOutcome(runtime, nonce, codeHash, known);
  if (outcome?.status !== 'success') return false;
  const alreadyHere = req.session.wechat?.login?.grantId === outcome.login.grantId;
  if (!alreadyHere) {
    if (!sameBinderHash(outcome.binderHash, binderHash)) return false;
    const user = await runtime.store.users.findById(outcome.login.userId);
    const grant = await runtime.store.grants.status(outcome.login.grantId);
    if (!user || !grant || grant.dead) return false;
    await saveLogin(runtime, req, outcome.login, user, await startFreshSession(runtime, req));
  }
  runtime.stateCookies.clear(req, res, nonce);
  log('repeated callback of a completed login: back to returnTo');
  res.redirect(302, outcome.returnTo);
  return true;
}

/** WeChat's double hit arrives while the first callback is still exchanging the code: wait for its outcome. */
async function waitForOutcome(runtime: Pick<WechatLoginRuntime, 'store'>, nonce: string, codeHash: string, known?: CodeOutcome): Promise<CodeOutcome | null> {
  const deadline = Date.now() + OUTCOME_WAIT_MS;
  let outcome = known ?? (await runtime.store.getCodeOutcome(nonce, codeHash));
  while (outcome?.status === 'pending' && Date.now() < deadline) {
    await sleep(25);
    outcome = await runtime.store.getCodeOutcome(nonce, codeHash);
  }
  return outcome;
}

/**
 * 403 and nothing logged in. The page starts one fresh login by itself (a stale link, the back button);
 * a callback that is itself from a restarted login does not restart again, so a broken browser cannot loop.
 */
function rejectStaleCallback(
  runtime: Pick<WechatLoginRuntime, 'paths' | 'config'>,
  req: Request,
  res: Response,
  retry: boolean,
  pending: Pick<PendingLogin, 'returnTo' | 'scope'> | undefined,
): void {
  const view = pageView(runtime.config.pages, req);
  if (retry) {
    res.status(403).send(messagePage(view, {
      name: 'stale',
      title: 'callback.staleTitle',
      text: 'callback.stale',
      action: { href: '/', label: 'common.home' },
    }));
    return;
  }
  // The fresh login checks returnTo again, like any other login's.
  const fresh = runtime.paths.loginUrl({ returnTo: pending?.returnTo, scope: pending?.scope, retry: true });
  res.status(403).send(messagePage(view, {
    name: 'restarting',
    title: 'callback.staleTitle',
    text: 'callback.restarting',
    action: { href: fresh, label: 'common.signIn' },
    refreshTo: fresh,
  }));
}
