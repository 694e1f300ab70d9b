import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../debug.js';
import { WECHAT_ERRCODES, hasErrcode, isTransientError } from '../errors.js';
import { browserBinderHash, takeLoginState } from './authorization.js';
import { CODE_OUTCOME_TTL_MS, FAILED_CODE, hashCode, parseState, sameBinderHash } from './login-state.js';
import { messagePage, pageView, snapshotPage } from '../http/pages.js';
import type { PendingLogin } from './login-cookie.js';
import type { WechatLoginRuntime } from './runtime.js';
import { profileFromTokens } from '../wechat/service.js';
import { requestCookie } from '../http/request-cookie.js';
import { regenerateSession } from '../session/session.js';
import { sendUnavailable } from '../http/unavailable.js';
import { saveLogin, signInSession } from './sign-in-session.js';
import type { CodeOutcome, LoginStateRecord } from '../store/types.js';

const log = logger('callback');
/** How long a repeated callback waits for the first one (WeChat's double hit) to finish. */
const OUTCOME_WAIT_MS = 5_000;

type CallbackDependencies = Pick<WechatLoginRuntime, 'config' | 'store' | 'apps' | 'tokens' | 'paths' | 'loginCookie'>;

/**
 * GET {prefix}/callback?code=&state= — WeChat's redirect back. Nothing is logged in unless the state is one
 * we issued, unused, unexpired, and bound to this browser.
 */
export function callbackRoute(runtime: CallbackDependencies) {
  const { config, paths } = runtime;

  return async function callback(req: Request, res: Response): Promise<void> {
    const retry = req.query.retry === '1';
    const code = typeof req.query.code === 'string' && req.query.code !== '' ? req.query.code : undefined;
    const nonce = parseState(req.query.state, config.stateLabel);
    const binderHash = browserBinderHash(runtime, req);

    let record: LoginStateRecord | null;
    try {
      record = await takeLoginState(runtime, nonce);
    } catch (error) {
      // Redis unavailable before anything was used: this same callback works once it is back (and if the state
      // went after all, it restarts the login to the same returnTo).
      if (!isTransientError(error)) throw error;
      log('state not readable for now (%s): offering to try again', (error as { code?: unknown }).code);
      sendTryAgain(runtime, req, res, req.originalUrl);
      return;
    }
    if (!record) {
      // Replayed or unknown state. A repeat of a callback that already succeeded (WeChat's double hit, a
      // reload, the back button) lands where the first one went, logged in.
      if (code && (await resumeSucceededLogin(runtime, req, res, hashCode(code), binderHash))) return;
      log('rejected callback: %s state', nonce ? 'unknown, expired or used' : 'missing or malformed');
      // The state record held where this login was going; the browser's signed copy still knows.
      rejectStaleCallback(runtime, req, res, retry, nonce ? runtime.loginCookie.recall(req, nonce) : undefined);
      return;
    }
    if (!sameBinderHash(record.binderHash, binderHash)) {
      log('rejected callback: state belongs to another browser');
      res
        .status(403)
        .send(messagePage(pageView(config.pages, req), {
          name: 'other-browser',
          title: 'callback.otherBrowserTitle',
          text: 'callback.otherBrowser',
          action: { href: paths.loginUrl({ returnTo: record.returnTo }), label: 'common.signIn' },
        }));
      return;
    }
    if (!code) {
      log('user declined authorization');
      res.status(403).send(messagePage(pageView(config.pages, req), {
        name: 'declined',
        title: 'callback.declinedTitle',
        text: 'callback.declined',
        action: { href: paths.loginUrl({ returnTo: record.returnTo, scope: record.scope }), label: 'common.tryAgain' },
      }));
      return;
    }
    try {
      await completeLogin(runtime, req, res, record, code, retry);
    } catch (error) {
      if (!isTransientError(error) || res.headersSent) throw error;
      log('login failed for now (%s): offering to try again', (error as { code?: unknown }).code);
      sendTryAgain(runtime, req, res, paths.loginUrl({ returnTo: record.returnTo, scope: record.scope }));
    }
  };
}

async function completeLogin(
  runtime: CallbackDependencies,
  req: Request,
  res: Response,
  record: LoginStateRecord,
  code: string,
  retry: boolean,
): Promise<void> {
  const codeHash = hashCode(code);
  if (!(await runtime.store.claimCode(codeHash, CODE_OUTCOME_TTL_MS))) {
    // Another callback is already exchanging this code (our state was fresh, so it came with another state):
    // only the browser that owns that login may follow it there.
    // This browser's binder is the state's (checked before we got here).
    if (await resumeSucceededLogin(runtime, req, res, codeHash, record.binderHash)) return;
    log('rejected callback: its code is already being used by another callback');
    rejectStaleCallback(runtime, req, res, retry, record);
    return;
  }
  try {
    await exchangeAndLogIn(runtime, req, res, record, code, codeHash, retry);
  } catch (error) {
    // A repeated callback must not wait on a "pending" outcome that will never settle.
    await runtime.store.setCodeOutcome(codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS).catch(() => undefined);
    throw error;
  }
}

/**
 * WeChat (or Redis) busy for the moment: 503, nothing logged in, and a button to try again: a fresh login to where
 * this one was going once the code may be spent, or this same callback when nothing was used yet.
 */
function sendTryAgain({ config }: Pick<WechatLoginRuntime, 'config'>, req: Request, res: Response, href: string): void {
  const view = pageView(config.pages, req);
  sendUnavailable(res, false, messagePage(view, { name: 'busy', title: 'busy.title', text: 'busy.callback', action: { href, label: 'common.tryAgain' } }));
}

async function exchangeAndLogIn(
  runtime: CallbackDependencies,
  req: Request,
  res: Response,
  record: LoginStateRecord,
  code: string,
  codeHash: string,
  retry: boolean,
): Promise<void> {
  const { config, store } = runtime;
  // The code is the app's the login went to (the state says which): exchanged, and the profile read, with its credentials.
  const app = runtime.apps.byKind(record.app);
  const { api } = app;

  let tokens;
  try {
    tokens = await api.exchangeCode(code);
  } catch (error) {
    const { CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED } = WECHAT_ERRCODES;
    if (hasErrcode(error, CODE_BEEN_USED, INVALID_CODE, CODE_EXPIRED) && !retry) {
      // The code went stale (a lost first attempt, a slow user): a fresh authorization, once.
      log('code refused (%d): restarting the login once', error.errcode);
      await store.setCodeOutcome(codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
      res.redirect(302, runtime.paths.loginUrl({ returnTo: record.returnTo, scope: record.scope, retry: true }));
      return;
    }
    throw error;
  }

  if (tokens.is_snapshotuser === 1) {
    // A snapshot page's identity is virtual: no account, no login.
    await store.setCodeOutcome(codeHash, FAILED_CODE, CODE_OUTCOME_TTL_MS);
    log('snapshot-page visitor: not logged in');
    if (config.onSnapshotUser) {
      await config.onSnapshotUser({ openid: tokens.openid, scope: tokens.scope, returnTo: record.returnTo }, req, res);
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
  const login = await signInSession(runtime, req, {
    user,
    tokens,
    account,
    previousGrantId: await startFreshSession(runtime, req),
    ...(app.kind === 'website' ? { app: { kind: 'website' as const, appId: app.appId } } : {}),
  });
  await store.setCodeOutcome(
    codeHash,
    { status: 'success', binderHash: record.binderHash, returnTo: record.returnTo, login },
    CODE_OUTCOME_TTL_MS,
  );
  log('logged in user %d (scope %s)', user.id, login.scope);
  res.redirect(302, record.returnTo);
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
  codeHash: string,
  binderHash: string | undefined,
): Promise<boolean> {
  const outcome = await waitForOutcome(runtime, codeHash);
  if (outcome?.status !== 'success') return false;
  const alreadyHere = req.session.wechat?.login?.grantId === outcome.login.grantId;
  if (!alreadyHere) {
    if (!sameBinderHash(outcome.binderHash, binderHash)) return false;
    const user = await runtime.store.users.findById(outcome.login.userId);
    const grant = await runtime.store.grants.status(outcome.login.grantId);
    if (!user || !grant || grant.dead) return false;
    await saveLogin(runtime, req, outcome.login, user, await startFreshSession(runtime, req));
  }
  log('repeated callback of a completed login: back to returnTo');
  res.redirect(302, outcome.returnTo);
  return true;
}

/** WeChat's double hit arrives while the first callback is still exchanging the code: wait for its outcome. */
async function waitForOutcome(runtime: Pick<WechatLoginRuntime, 'store'>, codeHash: string): Promise<CodeOutcome | null> {
  const deadline = Date.now() + OUTCOME_WAIT_MS;
  let outcome = await runtime.store.getCodeOutcome(codeHash);
  while (outcome?.status === 'pending' && Date.now() < deadline) {
    await sleep(25);
    outcome = await runtime.store.getCodeOutcome(codeHash);
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
  pending: PendingLogin | undefined,
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

