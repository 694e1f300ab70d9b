import type { Request, Response } from 'express';
import type { CookieOptions, Store as SessionStore } from 'express-session';
import { DEFAULT_TIMEOUT_MS, resolveApiClientOptions, type ResolvedApiClientOptions, type RetryOptions } from '../wechat/api-client.js';
import { systemClock, type Clock } from '../clock.js';
import { WechatConfigError } from '../errors.js';
import { parseClusterNode, type ParsedClusterNode, type RedisClient, type RedisClusterNodes } from '../store/redis-client.js';
import { deriveTokenKey, parseTokenEncryptionKeys } from '../store/token-cipher.js';
import type { WechatAccount, WechatStore } from '../store/types.js';
import type { WechatPublicAuthModel } from '../store/user-model.js';
import { isWechatScope, type WechatLang, type WechatScope } from '../wechat/types.js';
import { RATE_LIMIT_DEFAULTS, resolveRateLimit, type RateLimitOptions, type ResolvedRateLimitConfig } from './rate-limit-options.js';
import { SCAN_LOGIN_DEFAULTS, resolveScanLogin, type ResolvedScanLoginConfig, type ScanLoginOptions } from './scan-login-options.js';
import { resolvePages, type PagesOptions, type ResolvedPagesConfig } from './pages-options.js';
import { resolvePlatform, type PlatformOptions, type ResolvedPlatformConfig } from './platform-options.js';
import {
  APP_ID_PATTERN,
  resolveDesktop,
  resolveWebsiteApp,
  type DesktopSignIn,
  type ResolvedWebsiteAppConfig,
  type WebsiteAppOptions,
} from './website-app-options.js';

export type { RateLimitOptions, ResolvedRateLimitConfig } from './rate-limit-options.js';
export type { ResolvedScanLoginConfig, ScanDesktopInfo, ScanLoginOptions } from './scan-login-options.js';
export type { PagesOptions, ResolvedPagesConfig, WechatPage, WechatPageKind, PageLocale, PageStrings, PageStringKey } from './pages-options.js';

export type { DesktopSignIn, WebsiteAppOptions } from './website-app-options.js';

export type { PlatformOptions, ResolvedPlatformConfig } from './platform-options.js';

/** What WeChat told us about a visitor who saw a snapshot page (virtual identity: create no account). */
export interface SnapshotUserInfo {
  openid: string;
  scope: string;
  returnTo: string;
}

export interface WechatSessionOptions {
  /** Signs the session cookie. Required; use 32+ random characters from the environment. */
  secret: string | string[];
  /** Cookie name. Default 'wechat.sid'. */
  name?: string;
  /** Session lifetime in seconds (Redis TTL and cookie max-age). Default 7 days. */
  ttl?: number;
  /** Extra cookie attributes; httpOnly, SameSite=Lax and `secure` for https are the defaults. */
  cookie?: CookieOptions;
  /**
   * Where sessions live, when not in `redis`: any express-session Store (e.g. your own connect-redis RedisStore).
   * Default: a connect-redis store on `redis`.
   */
  store?: SessionStore;
}

export interface WechatLoginOptions {
  /** The Official Account's AppID ('wx' + 16 characters). */
  appId: string;
  /** The AppSecret. Server side only; never logged. */
  appSecret: string;
  /** Default 'snsapi_userinfo'; 'snsapi_base' for a silent login that only knows the openid. */
  scope?: WechatScope;
  /** The seed's optional state label (up to 96 of [a-zA-Z0-9]), prefixed to a random nonce, never instead of one. */
  state?: string;
  /**
   * An ioredis client or Cluster (you keep ownership), a redis:// URL, or a Redis Cluster's seed nodes
   * (`{ cluster: ['10.0.0.1:6379', '10.0.0.2:6379'] }`); from a URL or seed nodes we connect and `close()`
   * disconnects.
   */
  redis?: RedisClient | string | RedisClusterNodes;
  /**
   * Advanced: a store other than Redis, e.g. `createMemoryStore()` for a single-process demo. Without `redis`,
   * sessions need `session.store` (or `session: false`); only the memory store falls back to express-session's
   * MemoryStore, with a warning.
   */
  store?: WechatStore;
  /** Mount express-session on Redis with these options, or `false` to reuse an express-session the app mounts. */
  session?: WechatSessionOptions | false;
  /** The public origin WeChat calls back, e.g. https://example.com. Required behind proxies. */
  publicUrl?: string;
  /**
   * Route paths. Default prefix '/auth/wechat'; '/' mounts them at the root (/login, /callback, …).
   * `postLogoutRedirect`: where the browser lands after signing out when the logout names no `returnTo`
   * (a path on this site, or a URL on it or on `allowedReturnHosts`). Default '/'.
   */
  routes?: { prefix?: string; postLogoutRedirect?: string };
  /** Language of profile fields. Default 'zh_CN'. */
  lang?: WechatLang;
  /** Default https://api.weixin.qq.com. */
  apiBaseUrl?: string;
  /** Default https://open.weixin.qq.com. */
  authorizeBaseUrl?: string;
  /** Timeout of one attempt of one WeChat call, ms. Default 5000. */
  timeoutMs?: number;
  /** Retries of WeChat calls for -1 busy, 5xx and connection errors. Default { limit: 2, baseDelayMs: 100, maxDelayMs: 1000 }. */
  retry?: RetryOptions;
  /** Map a WeChat user to your own account; the return value is kept in the session as `req.wechat.account`. */
  onLogin?: (user: WechatPublicAuthModel, req: Request) => WechatAccount | Promise<WechatAccount>;
  /** Answer a snapshot-page visitor yourself (send a response); by default a page explains "使用完整服务". */
  onSnapshotUser?: (info: SnapshotUserInfo, req: Request, res: Response) => void | Promise<void>;
  /** Hosts besides our own that `returnTo` may point to. Default none. */
  allowedReturnHosts?: string[];
  /** Refresh an access token this long before it expires, ms. Default 5 minutes. */
  tokenRefreshSkewMs?: number;
  /** How long a started login may take, ms. Default 10 minutes. */
  loginTimeoutMs?: number;
  /** Redis key prefix. Default 'wol'. Keys are also namespaced by appId. */
  keyPrefix?: string;
  /**
   * Encrypts the access and refresh tokens stored in Redis (grants and user records) with AES-256-GCM: a
   * 32-byte key as base64 (`openssl rand -base64 32`) or 64 hex characters, or a list of keys, newest first,
   * to rotate (new writes use the first; the others still read). Default: sealed all the same, with keys derived
   * from `session.secret` (HKDF-SHA256, one per secret of its list: the first seals, any opens); a key given
   * here seals instead, and the derived keys still open what they sealed. Tokens stored as they are (written
   * before) still read. With `session: false` or your own `store`, nothing is derived: give the key.
   */
  tokenEncryptionKey?: string | string[];
  /**
   * Bounds on what fails (code exchanges WeChat refuses, callbacks with bad states, scan codes never confirmed),
   * per client address and counted in the store so they hold across processes; past them 429 with Retry-After.
   * Logins that complete are never refused. `false` turns them off (e.g. for load tests).
   * Default { refusedCodesPerMinutePerIp: 30, badCallbacksPerMinutePerIp: 60, scanCodesPerMinutePerIp: 60, scanCodesInFlight: 10000, openLoginsPerBrowser: 10 }.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Scan to sign in on a computer: a desktop browser on a guarded page gets a one-time QR code, the phone
   * scans it with WeChat, authorizes and confirms, and the desktop is signed in as that WeChat user with its
   * own grant. On by default; `false` shows the "open this page in WeChat" QR code instead.
   */
  scanLogin?: ScanLoginOptions | false;
  /**
   * An Open Platform website app (网站应用) of the same Open Platform account: desktop browsers sign in on
   * WeChat's own QR page (`/connect/qrconnect`) with it, and its logins find the Official Account's user by
   * unionid. Its AppSecret, like `appSecret`, comes from the environment.
   */
  websiteApp?: WebsiteAppOptions;
  /**
   * What a browser other than WeChat's gets on a guarded page: `'website'` (WeChat's QR page for `websiteApp`,
   * through our `/login`), `'scan'` (scan to sign in through the Official Account) or `'qr'` (the page's own QR
   * code, to open it in WeChat). Default `'website'` with a `websiteApp`, else `'scan'` (`'qr'` with scanLogin off).
   */
  desktop?: DesktopSignIn;
  /** Development only: the QR page offers "Continue in the WeChat emulator". Default false. */
  emulatorLink?: boolean;
  /** The language, text and branding of our pages, or your own rendering of them. See docs/pages.md. */
  pages?: PagesOptions;
  /**
   * The Official Account's own access token (`wechat.platform`) and the JS-SDK route `GET {prefix}/jssdk-config`.
   * Default { jssdkRoute: true, refreshAheadMs: 5 minutes }.
   */
  platform?: PlatformOptions;
  clock?: Clock;
}

/** The website app's credentials and its client's options (the main ones' base URLs, timeout and retries). */
export interface ResolvedWebsiteApp extends ResolvedWebsiteAppConfig {
  api: ResolvedApiClientOptions;
}

export interface ResolvedSessionConfig {
  secret: string | string[];
  name: string;
  ttlSeconds: number;
  cookie: CookieOptions;
  /** The app's own session store; undefined: connect-redis on `redis`, or MemoryStore for the memory demo. */
  store: SessionStore | undefined;
}

export interface ResolvedConfig {
  appId: string;
  appSecret: string;
  scope: WechatScope;
  stateLabel: string;
  /** A client of the app's, or what to connect to: a URL, or parsed seed nodes of a Cluster. */
  redis: RedisClient | string | ParsedClusterNode[] | undefined;
  store: WechatStore | undefined;
  session: ResolvedSessionConfig | false;
  publicUrl: URL | undefined;
  /** The routes' path prefix without a trailing slash: '/auth/wechat', or '' for the root. */
  prefix: string;
  /** Where a logout without `returnTo` lands. */
  postLogoutRedirect: string;
  lang: WechatLang;
  /** WeChat's base URLs, timeout and retries, fully defaulted. */
  api: ResolvedApiClientOptions;
  onLogin: WechatLoginOptions['onLogin'];
  onSnapshotUser: WechatLoginOptions['onSnapshotUser'];
  allowedReturnHosts: string[];
  tokenRefreshSkewMs: number;
  loginTimeoutMs: number;
  keyPrefix: string;
  /** The keys, checked, as given (newest first); undefined: not set. */
  tokenEncryptionKey: string[] | undefined;
  /**
   * What the store built on `redis` seals and opens with, newest first: `tokenEncryptionKey`'s, then those derived
   * from each `session.secret` (base64); undefined with neither (session: false, no key).
   */
  tokenSealingKeys: string[] | undefined;
  rateLimit: ResolvedRateLimitConfig | false;
  scanLogin: ResolvedScanLoginConfig | false;
  websiteApp: ResolvedWebsiteApp | undefined;
  desktop: DesktopSignIn;
  emulatorLink: boolean;
  pages: ResolvedPagesConfig;
  platform: ResolvedPlatformConfig;
  clock: Clock;
}

export const DEFAULTS = {
  scope: 'snsapi_userinfo' as WechatScope,
  prefix: '/auth/wechat',
  lang: 'zh_CN' as WechatLang,
  sessionName: 'wechat.sid',
  sessionTtlSeconds: 7 * 24 * 3600,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  tokenRefreshSkewMs: 5 * 60_000,
  loginTimeoutMs: 10 * 60_000,
  keyPrefix: 'wol',
  rateLimit: RATE_LIMIT_DEFAULTS,
  scanLogin: SCAN_LOGIN_DEFAULTS,
};

const LANGS = ['zh_CN', 'zh_TW', 'en'];
const MAX_STATE_LABEL = 96;

/** Validates options once, at the factory call. Every message names the option and says how to fix it. */
export function resolveConfig(options: WechatLoginOptions, warn: (message: string) => void): ResolvedConfig {
  if (!options || typeof options !== 'object') throw new WechatConfigError('createWechatLogin(options): "options" must be an object');
  const o = options;

  requireText('appId', o.appId, 'the AppID from the Official Account admin (开发 → 基本配置), e.g. "wx0123456789abcdef"');
  if (!APP_ID_PATTERN.test(o.appId)) {
    throw new WechatConfigError(`"appId" must look like "wx" followed by 16 letters or digits; got ${JSON.stringify(o.appId.slice(0, 24))}`);
  }
  requireText('appSecret', o.appSecret, 'the AppSecret, read from an environment variable, never committed');

  const scope = o.scope ?? DEFAULTS.scope;
  if (!isWechatScope(scope)) throw new WechatConfigError(`"scope" must be "snsapi_base" or "snsapi_userinfo"; got ${JSON.stringify(scope)}`);

  const stateLabel = o.state ?? '';
  if (typeof stateLabel !== 'string' || !/^[a-zA-Z0-9]*$/.test(stateLabel) || stateLabel.length > MAX_STATE_LABEL) {
    throw new WechatConfigError(
      `"state" must be at most ${MAX_STATE_LABEL} letters or digits (WeChat allows 128 of [a-zA-Z0-9] and a 32-character nonce is appended)`,
    );
  }

  if (o.store === undefined && o.redis === undefined) {
    throw new WechatConfigError('"redis" is required: pass an ioredis client or Cluster, a redis:// URL or { cluster: ["host:port", …] } (or "store" for a custom store)');
  }
  const redis = resolveRedis(o.redis);

  const publicUrl = o.publicUrl === undefined ? undefined : parsePublicUrl(o.publicUrl);
  if (!publicUrl) warn('"publicUrl" is not set: the callback URL is derived from each request\'s Host; set it in production (and behind a proxy).');

  const session = resolveSession(o.session, publicUrl, warn);
  const tokenEncryptionKey = resolveTokenEncryptionKey(o);
  checkSessionHome(o, session);
  const prefix = resolvePrefix(o.routes?.prefix ?? DEFAULTS.prefix);

  const lang = o.lang ?? DEFAULTS.lang;
  if (!LANGS.includes(lang)) throw new WechatConfigError(`"lang" must be one of ${LANGS.join(', ')}`);

  for (const name of ['apiBaseUrl', 'authorizeBaseUrl'] as const) {
    const value = o[name];
    if (value !== undefined && !isHttpUrl(value)) throw new WechatConfigError(`"${name}" must be an http(s) URL; leave it unset in production`);
  }
  const api = resolveApiClientOptions({
    appId: o.appId,
    appSecret: o.appSecret,
    apiBaseUrl: o.apiBaseUrl,
    authorizeBaseUrl: o.authorizeBaseUrl,
    timeoutMs: o.timeoutMs,
    retry: o.retry,
  });

  const allowedReturnHosts = o.allowedReturnHosts ?? [];
  if (!Array.isArray(allowedReturnHosts) || allowedReturnHosts.some((h) => typeof h !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/i.test(h))) {
    throw new WechatConfigError('"allowedReturnHosts" must be an array of host names such as ["shop.example.com"] (no scheme, no path)');
  }

  for (const hook of ['onLogin', 'onSnapshotUser'] as const) {
    if (o[hook] !== undefined && typeof o[hook] !== 'function') throw new WechatConfigError(`"${hook}" must be a function`);
  }

  const scanLogin = resolveScanLogin(o.scanLogin);
  const postLogoutRedirect = resolvePostLogoutRedirect(o.routes?.postLogoutRedirect, publicUrl, allowedReturnHosts);
  const website = resolveWebsiteApp(o.websiteApp, o.appId);
  const websiteApp = website && { ...website, api: { ...api, appId: website.appId, appSecret: website.appSecret } };

  return {
    appId: o.appId,
    appSecret: o.appSecret,
    scope,
    stateLabel,
    redis,
    store: o.store,
    session,
    publicUrl,
    prefix,
    postLogoutRedirect,
    lang,
    api,
    onLogin: o.onLogin,
    onSnapshotUser: o.onSnapshotUser,
    allowedReturnHosts: allowedReturnHosts.map((h) => h.toLowerCase()),
    tokenRefreshSkewMs: nonNegativeNumber('tokenRefreshSkewMs', o.tokenRefreshSkewMs, DEFAULTS.tokenRefreshSkewMs),
    loginTimeoutMs: positiveNumber('loginTimeoutMs', o.loginTimeoutMs, DEFAULTS.loginTimeoutMs),
    keyPrefix: resolveKeyPrefix(o.keyPrefix),
    tokenEncryptionKey,
    tokenSealingKeys: resolveTokenSealingKeys(tokenEncryptionKey, session),
    rateLimit: resolveRateLimit(o.rateLimit, warn),
    scanLogin,
    websiteApp,
    desktop: resolveDesktop(o.desktop, website, scanLogin !== false),
    emulatorLink: o.emulatorLink === true,
    pages: resolvePages(o.pages),
    platform: resolvePlatform(o.platform),
    clock: o.clock ?? systemClock,
  };
}

/**
 * A path on this site, or an absolute URL on `publicUrl`'s host or an allowed one; checked again per request
 * like any returnTo. Refused here rather than silently landing on '/'.
 */
function resolvePostLogoutRedirect(value: unknown, publicUrl: URL | undefined, allowedHosts: string[]): string {
  if (value === undefined) return '/';
  const fix = '"routes.postLogoutRedirect" must be a path on this site such as "/" or "/goodbye", or a URL on publicUrl\'s host or an allowedReturnHosts host';
  if (typeof value !== 'string' || !value || value.length > 2048 || /[\u0000-\u0020\u007f\\]/.test(value)) throw new WechatConfigError(fix);
  if (value.startsWith('/')) {
    if (value.startsWith('//') || /(^|\/)\.{1,2}(\/|$)/.test(value.split(/[?#]/)[0]!)) throw new WechatConfigError(fix);
    return value;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WechatConfigError(fix);
  }
  const hosts = [publicUrl?.host, ...allowedHosts.map((h) => h.toLowerCase())];
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || !hosts.includes(url.host)) throw new WechatConfigError(fix);
  return url.href;
}

/**
 * Sealed by default: the explicit keys first (the first seals), then one derived from each session secret, so
 * records sealed before a key was configured, or with a secret still in the list, keep opening.
 */
function resolveTokenSealingKeys(explicit: string[] | undefined, session: ResolvedSessionConfig | false): string[] | undefined {
  const secrets = session ? (Array.isArray(session.secret) ? session.secret : [session.secret]) : [];
  const derived = [...new Set(secrets)].map((secret) => deriveTokenKey(secret).toString('base64'));
  const keys = [...(explicit ?? []), ...derived];
  return keys.length > 0 ? keys : undefined;
}

/** Checked once here; the store we build on `redis` encrypts with it. Your own `store` takes it itself. */
function resolveTokenEncryptionKey(o: WechatLoginOptions): string[] | undefined {
  if (o.tokenEncryptionKey === undefined) return undefined;
  parseTokenEncryptionKeys(o.tokenEncryptionKey);
  if (o.store !== undefined) {
    throw new WechatConfigError(
      '"tokenEncryptionKey" applies to the store built on "redis"; with your own "store", give the key to it: createMemoryStore({ tokenEncryptionKey }) or createRedisStore({ …, tokenEncryptionKey })',
    );
  }
  return typeof o.tokenEncryptionKey === 'string' ? [o.tokenEncryptionKey] : [...o.tokenEncryptionKey];
}

/** A client passes as it is; a URL is checked; seed nodes are parsed, once. */
function resolveRedis(redis: WechatLoginOptions['redis']): ResolvedConfig['redis'] {
  if (redis === undefined) return undefined;
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) throw new WechatConfigError('"redis" must be an ioredis client or a URL starting with redis:// or rediss://');
    return redis;
  }
  if (redis && typeof redis === 'object' && 'cluster' in redis && typeof (redis as RedisClient).eval !== 'function') {
    return resolveClusterNodes(redis.cluster);
  }
  if (!redis || typeof (redis as RedisClient).eval !== 'function') {
    throw new WechatConfigError('"redis" must be an ioredis client (new Redis(...) or new Cluster(...)), a redis:// URL, or { cluster: ["host:port", …] }');
  }
  return redis as RedisClient;
}

function resolveClusterNodes(nodes: unknown): ParsedClusterNode[] {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new WechatConfigError('"redis.cluster" must be a non-empty array of seed nodes, such as ["10.0.0.1:6379", "10.0.0.2:6379"]');
  }
  const parsed = nodes.map((node, i) => {
    const result = parseClusterNode(node);
    if (!result) {
      throw new WechatConfigError(`"redis.cluster[${i}]" must be "host:port" or a redis:// or rediss:// URL`);
    }
    return result;
  });
  // ioredis applies one set of credentials and TLS to every node of a Cluster, including those it discovers.
  const access = ({ username, password, tls }: ParsedClusterNode) => JSON.stringify([username, password, tls]);
  if (parsed.some((node) => access(node) !== access(parsed[0]!))) {
    throw new WechatConfigError('"redis.cluster" nodes must share one user, password and scheme (they apply to every node of the cluster)');
  }
  return parsed;
}

function resolveSession(
  session: WechatLoginOptions['session'],
  publicUrl: URL | undefined,
  warn: (message: string) => void,
): ResolvedSessionConfig | false {
  if (session === false) return false;
  if (!session || typeof session !== 'object') {
    throw new WechatConfigError('"session" is required: { secret: process.env.SESSION_SECRET }, or false to reuse an express-session you mount yourself');
  }
  const secrets = Array.isArray(session.secret) ? session.secret : [session.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new WechatConfigError('"session.secret" is required: a long random string from the environment (e.g. SESSION_SECRET)');
  }
  if (secrets[0]!.length < 32) warn('"session.secret" is shorter than 32 characters; use a long random value in production.');
  const ttlSeconds = positiveNumber('session.ttl', session.ttl, DEFAULTS.sessionTtlSeconds);
  const secure = publicUrl ? publicUrl.protocol === 'https:' : ('auto' as const);
  return {
    secret: session.secret,
    name: session.name ?? DEFAULTS.sessionName,
    ttlSeconds,
    cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: ttlSeconds * 1000, ...session.cookie },
    store: session.store,
  };
}

/**
 * Sessions and login records must live where every process sees them. A custom store without `redis` would
 * leave sessions in express-session's MemoryStore while logins go to the custom store: refused, except for
 * our memory store, the one-process demo.
 */
function checkSessionHome(o: WechatLoginOptions, session: ResolvedSessionConfig | false): void {
  if (!session || o.redis !== undefined) return;
  if (session.store !== undefined) {
    if (typeof session.store.get !== 'function' || typeof session.store.set !== 'function') {
      throw new WechatConfigError('"session.store" must be an express-session Store (e.g. new RedisStore({ client }) from connect-redis)');
    }
    return;
  }
  if (o.store?.kind === 'memory') return; // the demo: one warning about both, from the factory
  throw new WechatConfigError(
    'a custom "store" without "redis" would keep sessions in process memory: pass "redis" (sessions go there), or "session.store" (an express-session Store), or session: false and mount your own express-session',
  );
}

function parsePublicUrl(value: unknown): URL {
  if (typeof value !== 'string' || !isHttpUrl(value)) {
    throw new WechatConfigError('"publicUrl" must be the origin WeChat calls back, such as "https://example.com"');
  }
  const url = new URL(value);
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new WechatConfigError('"publicUrl" must be an origin only (no path, query or hash), such as "https://example.com"; use "routes.prefix" for paths');
  }
  return url;
}

/** A path like '/auth/wechat' ('' for the root): route URLs are built by appending '/login' etc. */
function resolvePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9._~\/-]*$/.test(prefix) || prefix.includes('//')) {
    throw new WechatConfigError('"routes.prefix" must be a path starting with "/", such as "/auth/wechat" (letters, digits, "-", "_", ".", "~"; no "//", query or hash)');
  }
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new WechatConfigError('"routes.prefix" must not contain "." or ".." segments: browsers resolve them away, so the routes would never match');
  }
  return trimmed;
}

function resolveKeyPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULTS.keyPrefix;
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_-]{1,32}$/.test(prefix)) {
    throw new WechatConfigError('"keyPrefix" must be 1-32 characters of letters, digits, ":", "_" or "-" (no "{" or "}": hash tags are ours)');
  }
  return prefix;
}

function requireText(name: string, value: unknown, hint: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new WechatConfigError(`"${name}" is required: ${hint}`);
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new WechatConfigError(`"${name}" must be a positive number`);
  return value;
}

function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new WechatConfigError(`"${name}" must be a number ≥ 0`);
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

