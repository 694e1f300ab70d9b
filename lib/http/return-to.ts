/**
 * `returnTo` comes from the query string: an attacker's link can put anything there. Only paths on our
 * own origin (or an explicitly allowed host) survive; everything else becomes "/".
 */
const FALLBACK = '/';
const MAX_LENGTH = 2048;

export interface ReturnToPolicy {
  /** Our own origin, e.g. https://example.com */
  origin: string;
  /** Extra hosts (lowercase, optional :port) that may be returned to over https (or our own scheme). */
  allowedHosts: readonly string[];
}

export function safeReturnTo(raw: unknown, policy: ReturnToPolicy): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) return FALLBACK;
  if (!looksHarmless(raw)) return FALLBACK;

  const own = parse(policy.origin);
  if (!own) return FALLBACK;
  if (raw.startsWith('/')) {
    const url = parse(raw, own.origin);
    if (!url || url.origin !== own.origin) return FALLBACK;
    return pathOnOurOrigin(url);
  }

  const url = parse(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return FALLBACK;
  if (url.origin === own.origin) return pathOnOurOrigin(url);
  const allowed = policy.allowedHosts.includes(url.host.toLowerCase());
  const schemeOk = url.protocol === 'https:' || url.protocol === own.protocol;
  return allowed && schemeOk ? url.href : FALLBACK;
}

/** Rejects the classic tricks in any layer of percent-encoding: `//host`, `/\host`, backslashes, control characters. */
function looksHarmless(raw: string): boolean {
  let text = raw;
  for (let depth = 0; depth < 4; depth++) {
    if (/[\u0000-\u001f\u007f\\]/.test(text)) return false;
    if (/^\s*\/\s*\//.test(text)) return false;
    if (/^\s*[a-z][a-z0-9+.-]*:/i.test(text) && !/^https?:\/\//i.test(text)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return false;
    }
    if (decoded === text) return true;
    text = decoded;
  }
  return false;
}

/**
 * The path to redirect to, or "/" when it would leave us: dot segments are resolved away by the URL parser,
 * so `/.//evil.com` or `https://ours//evil.com` become the path `//evil.com`, which a browser reads as a host.
 */
function pathOnOurOrigin(url: URL): string {
  return url.pathname.startsWith('//') ? FALLBACK : url.pathname + url.search + url.hash;
}

function parse(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}
