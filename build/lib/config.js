import { STATE_PATTERN } from './api-client.js';
import { systemClock } from './clock.js';
import { WechatConfigError } from './errors.js';
export const DEFAULTS = {
    scope: 'snsapi_userinfo',
    prefix: '/auth/wechat',
    lang: 'zh_CN',
    sessionName: 'wechat.sid',
    sessionTtlSeconds: 7 * 24 * 3600,
    timeoutMs: 5_000,
    tokenRefreshSkewMs: 5 * 60_000,
    loginTimeoutMs: 10 * 60_000,
    keyPrefix: 'wol',
};
const SCOPES = ['snsapi_base', 'snsapi_userinfo'];
const LANGS = ['zh_CN', 'zh_TW', 'en'];
const MAX_STATE_LABEL = 96;
/** Validates options once, at the factory call. Every message names the option and says how to fix it. */
export function resolveConfig(options, warn) {
    if (!options || typeof options !== 'object')
        throw new WechatConfigError('createWechatLogin(options): "options" must be an object');
    const o = options;
    requireText('appId', o.appId, 'the AppID from the Official Account admin (开发 → 基本配置), e.g. "wx0123456789abcdef"');
    if (!/^wx[0-9a-zA-Z]{16}$/.test(o.appId)) {
        throw new WechatConfigError(`"appId" must look like "wx" followed by 16 letters or digits; got ${JSON.stringify(o.appId.slice(0, 24))}`);
    }
    requireText('appSecret', o.appSecret, 'the AppSecret, read from an environment variable, never committed');
    const scope = o.scope ?? DEFAULTS.scope;
    if (!SCOPES.includes(scope))
        throw new WechatConfigError(`"scope" must be "snsapi_base" or "snsapi_userinfo"; got ${JSON.stringify(scope)}`);
    const stateLabel = o.state ?? '';
    if (typeof stateLabel !== 'string' || !/^[a-zA-Z0-9]*$/.test(stateLabel) || stateLabel.length > MAX_STATE_LABEL) {
        throw new WechatConfigError(`"state" must be at most ${MAX_STATE_LABEL} letters or digits (WeChat allows 128 of [a-zA-Z0-9] and a 32-character nonce is appended)`);
    }
    if (o.store === undefined && o.redis === undefined) {
        throw new WechatConfigError('"redis" is required: pass an ioredis client or a redis:// URL (or "store" for a custom store)');
    }
    if (typeof o.redis === 'string' && !/^rediss?:\/\//.test(o.redis)) {
        throw new WechatConfigError('"redis" must be an ioredis client or a URL starting with redis:// or rediss://');
    }
    if (o.redis !== undefined && typeof o.redis !== 'string' && typeof o.redis.eval !== 'function') {
        throw new WechatConfigError('"redis" must be an ioredis client (new Redis(...)) or a redis:// URL');
    }
    const publicUrl = o.publicUrl === undefined ? undefined : parsePublicUrl(o.publicUrl);
    if (!publicUrl)
        warn('"publicUrl" is not set: the callback URL is derived from each request\'s Host; set it in production (and behind a proxy).');
    const session = resolveSession(o.session, publicUrl, warn);
    const prefix = resolvePrefix(o.routes?.prefix ?? DEFAULTS.prefix);
    const lang = o.lang ?? DEFAULTS.lang;
    if (!LANGS.includes(lang))
        throw new WechatConfigError(`"lang" must be one of ${LANGS.join(', ')}`);
    for (const name of ['apiBaseUrl', 'authorizeBaseUrl']) {
        const value = o[name];
        if (value !== undefined && !isHttpUrl(value))
            throw new WechatConfigError(`"${name}" must be an http(s) URL; leave it unset in production`);
    }
    const allowedReturnHosts = o.allowedReturnHosts ?? [];
    if (!Array.isArray(allowedReturnHosts) || allowedReturnHosts.some((h) => typeof h !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/i.test(h))) {
        throw new WechatConfigError('"allowedReturnHosts" must be an array of host names such as ["shop.example.com"] (no scheme, no path)');
    }
    for (const hook of ['onLogin', 'onSnapshotUser']) {
        if (o[hook] !== undefined && typeof o[hook] !== 'function')
            throw new WechatConfigError(`"${hook}" must be a function`);
    }
    return {
        appId: o.appId,
        appSecret: o.appSecret,
        scope,
        stateLabel,
        redis: o.redis,
        store: o.store,
        session,
        publicUrl,
        prefix,
        lang,
        apiBaseUrl: o.apiBaseUrl,
        authorizeBaseUrl: o.authorizeBaseUrl,
        timeoutMs: positiveNumber('timeoutMs', o.timeoutMs, DEFAULTS.timeoutMs),
        retry: o.retry,
        onLogin: o.onLogin,
        onSnapshotUser: o.onSnapshotUser,
        allowedReturnHosts: allowedReturnHosts.map((h) => h.toLowerCase()),
        tokenRefreshSkewMs: nonNegativeNumber('tokenRefreshSkewMs', o.tokenRefreshSkewMs, DEFAULTS.tokenRefreshSkewMs),
        loginTimeoutMs: positiveNumber('loginTimeoutMs', o.loginTimeoutMs, DEFAULTS.loginTimeoutMs),
        keyPrefix: resolveKeyPrefix(o.keyPrefix),
        emulatorLink: o.emulatorLink === true,
        clock: o.clock ?? systemClock,
    };
}
function resolveSession(session, publicUrl, warn) {
    if (session === false)
        return false;
    if (!session || typeof session !== 'object') {
        throw new WechatConfigError('"session" is required: { secret: process.env.SESSION_SECRET }, or false to reuse an express-session you mount yourself');
    }
    const secrets = Array.isArray(session.secret) ? session.secret : [session.secret];
    if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
        throw new WechatConfigError('"session.secret" is required: a long random string from the environment (e.g. SESSION_SECRET)');
    }
    if (secrets[0].length < 32)
        warn('"session.secret" is shorter than 32 characters; use a long random value in production.');
    const ttlSeconds = positiveNumber('session.ttl', session.ttl, DEFAULTS.sessionTtlSeconds);
    const secure = publicUrl ? publicUrl.protocol === 'https:' : 'auto';
    return {
        secret: session.secret,
        name: session.name ?? DEFAULTS.sessionName,
        ttlSeconds,
        cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: ttlSeconds * 1000, ...session.cookie },
    };
}
function parsePublicUrl(value) {
    if (typeof value !== 'string' || !isHttpUrl(value)) {
        throw new WechatConfigError('"publicUrl" must be the origin WeChat calls back, such as "https://example.com"');
    }
    const url = new URL(value);
    if (url.pathname !== '/' || url.search || url.hash) {
        throw new WechatConfigError('"publicUrl" must be an origin only (no path, query or hash), such as "https://example.com"; use "routes.prefix" for paths');
    }
    return url;
}
function resolvePrefix(prefix) {
    if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9._~\/-]*$/.test(prefix) || prefix.includes('//')) {
        throw new WechatConfigError('"routes.prefix" must be a path starting with "/", such as "/auth/wechat"');
    }
    return prefix.replace(/\/+$/, '') || '/';
}
function resolveKeyPrefix(prefix) {
    if (prefix === undefined)
        return DEFAULTS.keyPrefix;
    if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_-]{1,32}$/.test(prefix)) {
        throw new WechatConfigError('"keyPrefix" must be 1-32 characters of letters, digits, ":", "_" or "-" (no "{" or "}": hash tags are ours)');
    }
    return prefix;
}
function requireText(name, value, hint) {
    if (typeof value !== 'string' || value.trim() === '')
        throw new WechatConfigError(`"${name}" is required: ${hint}`);
}
function positiveNumber(name, value, fallback) {
    if (value === undefined)
        return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
        throw new WechatConfigError(`"${name}" must be a positive number`);
    return value;
}
function nonNegativeNumber(name, value, fallback) {
    if (value === undefined)
        return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new WechatConfigError(`"${name}" must be a number ≥ 0`);
    return value;
}
function isHttpUrl(value) {
    try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
    }
    catch {
        return false;
    }
}
export { STATE_PATTERN };
//# sourceMappingURL=config.js.map