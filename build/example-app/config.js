import { randomBytes } from 'node:crypto';
/** The only variables the example app reads. */
export const ENV_NAMES = [
    'PORT',
    'REDIS_URL',
    'WECHAT_APP_ID',
    'WECHAT_APP_SECRET',
    'WECHAT_SCOPE',
    'WECHAT_API_BASE',
    'WECHAT_OPEN_BASE',
    'PUBLIC_URL',
    'SESSION_SECRET',
];
/** Reads and checks the environment; a bad value throws a TypeError naming the variable. */
export function readExampleConfig(env) {
    const get = (name) => {
        const value = env[name]?.trim();
        return value ? value : undefined;
    };
    const warnings = [];
    const portText = get('PORT') ?? '3000';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
        throw new TypeError(`PORT must be a port number (0-65535); got ${JSON.stringify(portText)}`);
    const appId = get('WECHAT_APP_ID');
    const appSecret = get('WECHAT_APP_SECRET');
    if (Boolean(appId) !== Boolean(appSecret)) {
        throw new TypeError('Set both WECHAT_APP_ID and WECHAT_APP_SECRET (a real Official Account), or neither (the built-in WeChat emulator)');
    }
    const scope = get('WECHAT_SCOPE');
    if (scope !== undefined && scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
        throw new TypeError(`WECHAT_SCOPE must be snsapi_base or snsapi_userinfo; got ${JSON.stringify(scope)}`);
    }
    const apiBaseUrl = httpUrl('WECHAT_API_BASE', get('WECHAT_API_BASE'));
    const authorizeBaseUrl = httpUrl('WECHAT_OPEN_BASE', get('WECHAT_OPEN_BASE'));
    if (!appId && Boolean(apiBaseUrl) !== Boolean(authorizeBaseUrl)) {
        throw new TypeError('Without WECHAT_APP_ID, set both WECHAT_API_BASE and WECHAT_OPEN_BASE (an emulator running elsewhere), or neither');
    }
    const publicUrl = httpUrl('PUBLIC_URL', get('PUBLIC_URL'))?.replace(/\/+$/, '');
    const redisUrl = get('REDIS_URL');
    if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
        throw new TypeError(`REDIS_URL must start with redis:// or rediss://; got ${JSON.stringify(redisUrl.slice(0, 12))}…`);
    }
    if (!redisUrl) {
        warnings.push('REDIS_URL is not set: logins and sessions are kept in this process\'s memory (lost on restart, not shared). NOT FOR PRODUCTION.');
    }
    let sessionSecret = get('SESSION_SECRET');
    if (!sessionSecret) {
        sessionSecret = randomBytes(32).toString('hex');
        warnings.push('SESSION_SECRET is not set: using a random one, so every restart signs everybody out. Set it in production.');
    }
    return {
        port,
        redisUrl,
        credentials: appId && appSecret ? { appId, appSecret } : undefined,
        scope,
        apiBaseUrl,
        authorizeBaseUrl,
        publicUrl,
        sessionSecret,
        warnings,
    };
}
function httpUrl(name, value) {
    if (value === undefined)
        return undefined;
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new TypeError(`${name} must be an http(s) URL; got ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new TypeError(`${name} must be an http(s) URL; got ${JSON.stringify(value)}`);
    return value;
}
//# sourceMappingURL=config.js.map