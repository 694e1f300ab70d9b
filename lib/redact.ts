/**
 * Secrets must never reach a log line, an error message or a stack. got's errors carry the full request
 * URL (with `secret`, `code`, `access_token`, `refresh_token` in the query), so anything derived from a
 * request goes through here first.
 */
const SECRET_QUERY_PARAMS = /([?&;](?:secret|appsecret|code|access_token|refresh_token)=)[^&#\s"'<>]*/gi;

export const REDACTED = '[REDACTED]';

export function redactUrl(text: string): string {
  return text.replace(SECRET_QUERY_PARAMS, `$1${REDACTED}`);
}

/** Redacts secret query parameters and every literal secret given (values shorter than 6 chars are ignored). */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (secret && secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  return out;
}
