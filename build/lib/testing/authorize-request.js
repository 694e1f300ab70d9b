import { DEFAULT_DOMAINS } from './fixtures.js';
/** The order WeChat's pattern match insists on; anything else may only follow these. */
const PARAMETER_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state'];
const SCOPES = ['snsapi_base', 'snsapi_userinfo'];
const STATE_PATTERN = /^[a-zA-Z0-9]*$/;
const MAX_STATE_LENGTH = 128;
/**
 * What WeChat's authorize page shows instead of redirecting. `errcode` is the number on that page
 * (10003, 10010...), and the message starts with it: `"10003 redirect_uri domain mismatch"`.
 */
export class AuthorizePageError extends Error {
    errcode;
    /** WeChat's own wording, shown on the error page. */
    wechatMessage;
    constructor(errcode, message, wechatMessage) {
        super(`${errcode} ${message}`);
        this.name = 'AuthorizePageError';
        this.errcode = errcode;
        this.wechatMessage = wechatMessage;
    }
}
const pageError = {
    appidEmpty: () => new AuthorizePageError(10012, 'appid empty', 'appid不能为空'),
    // WeChat has no separate code for an appid it does not know; 10012 ("appid") is the closest it shows.
    appidInvalid: () => new AuthorizePageError(10012, 'invalid appid', '无效的appid'),
    redirectUriEmpty: () => new AuthorizePageError(10011, 'redirect_uri empty', 'redirect_uri不能为空'),
    scopeEmpty: () => new AuthorizePageError(10010, 'scope empty', 'scope不能为空'),
    scopeInvalid: (scope) => new AuthorizePageError(10010, `scope invalid: "${scope}" (use snsapi_base or snsapi_userinfo)`, 'scope参数错误'),
    // Out-of-order parameters defeat WeChat's pattern match; what people then report seeing is the
    // "Scope 参数错误或没有 Scope 权限" page, i.e. 10005.
    order: (keys) => new AuthorizePageError(10005, `parameters out of order: got ${keys.join(', ')}; WeChat needs appid, redirect_uri, response_type, scope, state`, 'Scope参数错误或没有Scope权限'),
    responseType: (value) => new AuthorizePageError(10005, `response_type must be "code", got "${value}"`, 'Scope参数错误或没有Scope权限'),
    state: () => new AuthorizePageError(10013, 'state invalid: at most 128 characters of [a-zA-Z0-9]', 'state参数错误'),
    domain: (redirectUri) => new AuthorizePageError(10003, `redirect_uri domain mismatch: ${redirectUri}`, 'redirect_uri域名与后台配置不一致'),
};
/** Validates `/connect/oauth2/authorize`'s query the way WeChat does; throws {@link AuthorizePageError}. */
export function parseAuthorizeQuery(rawQuery, apps) {
    const entries = [...new URLSearchParams(rawQuery)];
    const params = new Map(entries);
    const appid = params.get('appid') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const scope = params.get('scope') ?? '';
    if (!appid)
        throw pageError.appidEmpty();
    if (!redirectUri)
        throw pageError.redirectUriEmpty();
    if (!scope)
        throw pageError.scopeEmpty();
    if (!params.has('response_type'))
        throw pageError.responseType('');
    checkOrder(entries.map(([key]) => key));
    const app = apps.get(appid);
    if (!app)
        throw pageError.appidInvalid();
    const responseType = params.get('response_type') ?? '';
    if (responseType !== 'code')
        throw pageError.responseType(responseType);
    if (!SCOPES.includes(scope))
        throw pageError.scopeInvalid(scope);
    // state is optional (the callback then carries an empty one).
    const state = params.get('state') ?? '';
    if (state.length > MAX_STATE_LENGTH || !STATE_PATTERN.test(state))
        throw pageError.state();
    if (!domainAllowed(redirectUri, app.domains ?? DEFAULT_DOMAINS))
        throw pageError.domain(redirectUri);
    return {
        app,
        redirectUri: redirectUri.split('#')[0],
        scope: scope,
        state,
        forcePopup: params.get('forcePopup') === 'true',
        rawQuery,
    };
}
function checkOrder(keys) {
    const known = PARAMETER_ORDER;
    const seen = new Set();
    keys.forEach((key, index) => {
        const expectedIndex = known.indexOf(key);
        if (expectedIndex === -1)
            return;
        if (expectedIndex !== index || seen.has(key))
            throw pageError.order(keys);
        seen.add(key);
    });
}
function domainAllowed(redirectUri, domains) {
    let url;
    try {
        url = new URL(redirectUri);
    }
    catch {
        return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return false;
    const hostname = url.hostname.toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return domains.some((entry) => {
        const [entryHost, entryPort] = splitHostPort(entry.toLowerCase());
        return entryHost === hostname && (entryPort === undefined || entryPort === port);
    });
}
function splitHostPort(entry) {
    const match = /^(.*):(\d+)$/.exec(entry);
    return match ? [match[1], match[2]] : [entry, undefined];
}
/** Where WeChat sends the browser after consent: `redirect_uri?code=CODE&state=STATE`. */
export function callbackUrl(request, code) {
    return appendQuery(request.redirectUri, `code=${encodeURIComponent(code)}&state=${encodeURIComponent(request.state)}`);
}
/** A refusal as older WeChat clients reported it: back to the callback with state and no code. */
export function deniedCallbackUrl(request) {
    return appendQuery(request.redirectUri, `state=${encodeURIComponent(request.state)}`);
}
function appendQuery(base, query) {
    if (!base.includes('?'))
        return `${base}?${query}`;
    return base.endsWith('?') || base.endsWith('&') ? base + query : `${base}&${query}`;
}
//# sourceMappingURL=authorize-request.js.map