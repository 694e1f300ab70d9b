/**
 * Secrets must never reach a log line, an error message or a stack. got's errors carry the full request
 * URL (with `secret`, `code`, `access_token`, `refresh_token` in the query), so anything derived from a
 * request goes through here first.
 */
// `^` too: a bare query string (URLSearchParams#toString, a raw `req.url` query) has no leading '?'.
const SECRET_QUERY_PARAMS = /((?:^|[?&;])(?:secret|appsecret|code|access_token|refresh_token)=)[^&#\s"'<>]*/gim;
// A token answer printed as JSON. Not "code": our own errors serialise `"code":"ERR_WECHAT_API"`.
const SECRET_JSON_FIELDS = /("(?:secret|appsecret|access_token|refresh_token)"\s*:\s*")(?:[^"\\]|\\.)*/gi;
export const REDACTED = '[REDACTED]';
/** Blanks the values of secret query parameters (and secret fields of JSON text). */
export function redactUrl(text) {
    return text.replace(SECRET_QUERY_PARAMS, `$1${REDACTED}`).replace(SECRET_JSON_FIELDS, `$1${REDACTED}`);
}
/** Redacts secret query parameters and every literal secret given (values shorter than 6 chars are ignored). */
export function redact(text, secrets = []) {
    let out = redactUrl(text);
    for (const secret of secrets) {
        if (secret && secret.length >= 6)
            out = out.split(secret).join(REDACTED);
    }
    return out;
}
//# sourceMappingURL=redact.js.map