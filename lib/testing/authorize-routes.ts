import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthorizePageError,
  callbackUrl,
  deniedCallbackUrl,
  parseAuthorizeQuery,
  type AuthorizeEndpoint,
  type AuthorizeRequest,
} from './authorize-request.js';
import { consentPage, errorPage, problemPage } from './consent-page.js';
import { qrconnectCancelledPage, qrconnectPage, topRedirectPage } from './qrconnect-page.js';
import type { EmulatorState } from './emulator-state.js';
import type { EmulatorApp, EmulatorUser } from './fixtures.js';
import { readBody, readCookie, redirect, sendHtml } from './http-util.js';

/** Picks the user without a page: for tests and programs that cannot click. */
export const USER_HEADER = 'x-wechat-emulator-user';
/** `allow` (default) or `deny`, with {@link USER_HEADER}, for snsapi_userinfo. */
export const CONSENT_HEADER = 'x-wechat-emulator-consent';
/** Remembers who uses this browser, so snsapi_base is silent next time, as inside WeChat. */
export const USER_COOKIE = 'wechat_emulator_user';

export type Consent = 'allow' | 'deny';

export interface AuthorizeContext {
  apps: ReadonlyMap<string, EmulatorApp>;
  users: ReadonlyMap<string, EmulatorUser>;
  state: EmulatorState;
}

/**
 * The URL WeChat sends the browser to once `user` has answered; undefined when it sends it nowhere (the phone
 * cancelled a website app's QR sign-in: the browser stays on WeChat's page).
 */
export function completeAuthorization(
  ctx: AuthorizeContext,
  request: AuthorizeRequest,
  user: EmulatorUser,
  consent: Consent,
): string | undefined {
  if (consent === 'deny' && request.endpoint === 'qrconnect') return undefined;
  // Refusing only exists for snsapi_userinfo; snsapi_base never asks.
  if (consent === 'deny' && request.scope === 'snsapi_userinfo') return deniedCallbackUrl(request);
  return callbackUrl(request, ctx.state.issueCode(request.app, user, request.scope));
}

/**
 * GET /connect/oauth2/authorize, or (`endpoint` 'qrconnect') the website app's QR page, where nobody is signed in
 * silently: each sign-in is a scan.
 */
export function handleAuthorize(
  req: IncomingMessage,
  res: ServerResponse,
  rawQuery: string,
  ctx: AuthorizeContext,
  endpoint: AuthorizeEndpoint = 'authorize',
): void {
  const request = parseOrShowError(rawQuery, ctx, res, endpoint);
  if (!request) return;

  const headerUser = req.headers[USER_HEADER];
  if (typeof headerUser === 'string') {
    const user = ctx.users.get(headerUser);
    if (!user) return sendHtml(res, problemPage(`Unknown emulator user "${headerUser}"`), 400);
    const consent = req.headers[CONSENT_HEADER] ?? 'allow';
    if (consent !== 'allow' && consent !== 'deny') {
      return sendHtml(res, problemPage(`${CONSENT_HEADER} must be allow or deny`), 400);
    }
    return answer(res, ctx, request, user, consent);
  }

  if (endpoint === 'qrconnect') return sendHtml(res, qrconnectPage(request, [...ctx.users.values()]));
  const cookieUser = readCookie(req, USER_COOKIE);
  const known = cookieUser === undefined ? undefined : ctx.users.get(cookieUser);
  if (known && request.scope === 'snsapi_base') return answer(res, ctx, request, known, 'allow');
  sendHtml(res, consentPage(request, [...ctx.users.values()], known?.id));
}

/** POST /connect/oauth2/authorize/confirm (or /connect/qrconnect/confirm), from the consent (or QR) page's form. */
export async function handleConfirm(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthorizeContext,
  endpoint: AuthorizeEndpoint = 'authorize',
): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  const request = parseOrShowError(form.get('query') ?? '', ctx, res, endpoint);
  if (!request) return;
  const userId = form.get('user') ?? '';
  const user = ctx.users.get(userId);
  if (!user) return sendHtml(res, problemPage(userId ? `Unknown emulator user "${userId}"` : 'Pick a user first'), 400);
  answer(res, ctx, request, user, form.get('consent') === 'deny' ? 'deny' : 'allow');
}

function answer(res: ServerResponse, ctx: AuthorizeContext, request: AuthorizeRequest, user: EmulatorUser, consent: Consent): void {
  const location = completeAuthorization(ctx, request, user, consent);
  if (location === undefined) return sendHtml(res, qrconnectCancelledPage());
  if (request.endpoint === 'qrconnect') {
    // The QR page knows nobody: a phone scans it every time.
    return request.redirectTop ? sendHtml(res, topRedirectPage(location)) : redirect(res, location);
  }
  const cookie = `${USER_COOKIE}=${encodeURIComponent(user.id)}; Path=/; HttpOnly; SameSite=Lax`;
  redirect(res, location, { 'Set-Cookie': cookie });
}

function parseOrShowError(rawQuery: string, ctx: AuthorizeContext, res: ServerResponse, endpoint: AuthorizeEndpoint): AuthorizeRequest | undefined {
  try {
    return parseAuthorizeQuery(rawQuery, ctx.apps, endpoint);
  } catch (error) {
    if (!(error instanceof AuthorizePageError)) throw error;
    // Like WeChat: a page with status 200, never a redirect. The header spares tests from scraping HTML.
    sendHtml(res, errorPage(error), 200, { 'X-Wechat-Emulator-Error': String(error.errcode) });
    return undefined;
  }
}
