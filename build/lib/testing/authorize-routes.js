import { AuthorizePageError, callbackUrl, deniedCallbackUrl, parseAuthorizeQuery, } from './authorize-request.js';
import { consentPage, errorPage, problemPage } from './consent-page.js';
import { readBody, readCookie, redirect, sendHtml } from './http-util.js';
/** Picks the user without a page: for tests and programs that cannot click. */
export const USER_HEADER = 'x-wechat-emulator-user';
/** `allow` (default) or `deny`, with {@link USER_HEADER}, for snsapi_userinfo. */
export const CONSENT_HEADER = 'x-wechat-emulator-consent';
/** Remembers who uses this browser, so snsapi_base is silent next time, as inside WeChat. */
export const USER_COOKIE = 'wechat_emulator_user';
/** The URL WeChat sends the browser to once `user` has answered. */
export function completeAuthorization(ctx, request, user, consent) {
    // Refusing only exists for snsapi_userinfo; snsapi_base never asks.
    if (consent === 'deny' && request.scope === 'snsapi_userinfo')
        return deniedCallbackUrl(request);
    return callbackUrl(request, ctx.state.issueCode(request.app, user, request.scope));
}
/** GET /connect/oauth2/authorize */
export function handleAuthorize(req, res, rawQuery, ctx) {
    const request = parseOrShowError(rawQuery, ctx, res);
    if (!request)
        return;
    const headerUser = req.headers[USER_HEADER];
    if (typeof headerUser === 'string') {
        const user = ctx.users.get(headerUser);
        if (!user)
            return sendHtml(res, problemPage(`Unknown emulator user "${headerUser}"`), 400);
        const consent = req.headers[CONSENT_HEADER] ?? 'allow';
        if (consent !== 'allow' && consent !== 'deny') {
            return sendHtml(res, problemPage(`${CONSENT_HEADER} must be allow or deny`), 400);
        }
        return answer(res, ctx, request, user, consent);
    }
    const cookieUser = readCookie(req, USER_COOKIE);
    const known = cookieUser === undefined ? undefined : ctx.users.get(cookieUser);
    if (known && request.scope === 'snsapi_base')
        return answer(res, ctx, request, known, 'allow');
    sendHtml(res, consentPage(request, [...ctx.users.values()], known?.id));
}
/** POST /connect/oauth2/authorize/confirm, from the consent page's form. */
export async function handleConfirm(req, res, ctx) {
    const form = new URLSearchParams(await readBody(req));
    const request = parseOrShowError(form.get('query') ?? '', ctx, res);
    if (!request)
        return;
    const userId = form.get('user') ?? '';
    const user = ctx.users.get(userId);
    if (!user)
        return sendHtml(res, problemPage(userId ? `Unknown emulator user "${userId}"` : 'Pick a user first'), 400);
    answer(res, ctx, request, user, form.get('consent') === 'deny' ? 'deny' : 'allow');
}
function answer(res, ctx, request, user, consent) {
    const cookie = `${USER_COOKIE}=${encodeURIComponent(user.id)}; Path=/; HttpOnly; SameSite=Lax`;
    redirect(res, completeAuthorization(ctx, request, user, consent), { 'Set-Cookie': cookie });
}
function parseOrShowError(rawQuery, ctx, res) {
    try {
        return parseAuthorizeQuery(rawQuery, ctx.apps);
    }
    catch (error) {
        if (!(error instanceof AuthorizePageError))
            throw error;
        // Like WeChat: a page with status 200, never a redirect. The header spares tests from scraping HTML.
        sendHtml(res, errorPage(error), 200, { 'X-Wechat-Emulator-Error': String(error.errcode) });
        return undefined;
    }
}
//# sourceMappingURL=authorize-routes.js.map