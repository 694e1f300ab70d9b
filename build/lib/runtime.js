import { parse as parseCookies } from 'cookie';
/** How long a code's outcome is remembered: WeChat's own code lifetime. */
export const CODE_OUTCOME_TTL_MS = 5 * 60_000;
export function loginCookieName(runtime) {
    return `${runtime.config.session ? runtime.config.session.name : 'wechat.sid'}.login`;
}
/** The dedicated login cookie: persistent (survives WeChat dropping session cookies), scoped to our routes. */
export function loginCookieOptions(runtime, req) {
    return {
        httpOnly: true,
        sameSite: 'lax',
        secure: isSecure(runtime, req),
        path: runtime.config.prefix,
        maxAge: runtime.config.loginTimeoutMs,
    };
}
export function readLoginCookie(runtime, req) {
    const header = req.headers.cookie;
    if (!header)
        return undefined;
    return parseCookies(header)[loginCookieName(runtime)] || undefined;
}
export function clearLoginCookie(runtime, req, res) {
    const { maxAge: _maxAge, ...options } = loginCookieOptions(runtime, req);
    res.clearCookie(loginCookieName(runtime), options);
}
/** Our public origin: `publicUrl` when set, else what this request says (trust proxy decides which headers count). */
export function originOf(runtime, req) {
    return runtime.config.publicUrl?.origin ?? `${req.protocol}://${req.get('host')}`;
}
export function isSecure(runtime, req) {
    return runtime.config.publicUrl ? runtime.config.publicUrl.protocol === 'https:' : req.secure;
}
export function loginPath(runtime, params) {
    const query = new URLSearchParams();
    if (params.returnTo)
        query.set('returnTo', params.returnTo);
    if (params.scope && params.scope !== runtime.config.scope)
        query.set('scope', params.scope);
    if (params.retry)
        query.set('retry', '1');
    const text = query.toString();
    return `${runtime.config.prefix}/login${text ? `?${text}` : ''}`;
}
export function returnToPolicy(runtime, req) {
    return { origin: originOf(runtime, req), allowedHosts: runtime.config.allowedReturnHosts };
}
//# sourceMappingURL=runtime.js.map