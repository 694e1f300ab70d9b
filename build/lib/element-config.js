import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ERR_ELEMENT_CONFIG, WechatLoginError } from './errors.js';
export const WECHAT_ELEMENT_TYPE = 'auths.loginTypes.WechatPublicType';
/** A bad element directory: the message names the file and the field. */
export class WechatElementConfigError extends WechatLoginError {
    file;
    field;
    constructor(file, field, problem) {
        super(`${file}${field ? `: "${field}"` : ''} ${problem}`, { code: ERR_ELEMENT_CONFIG });
        this.file = file;
        this.field = field;
    }
}
/**
 * Reads the seed's element directory: `e.json` (type and title) and `<Name>.json` (appId, appSecret, scope,
 * state). The secret may be a reference to an environment variable so it need not be committed:
 * `"appSecret": { "env": "WECHAT_APP_SECRET" }` or `"appSecret": "${WECHAT_APP_SECRET}"`.
 *
 * @example
 * const element = await loadWechatLoginElement('auths/loginTypes/MyWechatLogin');
 * const wechat = createWechatLogin({ ...element, redis, session });
 */
export async function loadWechatLoginElement(elementPath, options = {}) {
    const dir = path.resolve(options.baseDir ?? process.cwd(), elementPath);
    const env = options.env ?? process.env;
    const elementFile = path.join(dir, 'e.json');
    const configFile = path.join(dir, `${path.basename(dir)}.json`);
    const element = await readJson(elementFile);
    if (element.type !== WECHAT_ELEMENT_TYPE) {
        throw new WechatElementConfigError(elementFile, 'type', `must be "${WECHAT_ELEMENT_TYPE}"; got ${JSON.stringify(element.type ?? null)}`);
    }
    if (typeof element.title !== 'string' || element.title.trim() === '') {
        throw new WechatElementConfigError(elementFile, 'title', 'is required: a non-empty string');
    }
    const config = await readJson(configFile);
    const appId = requireString(configFile, config, 'appId');
    const appSecret = resolveSecret(configFile, config.appSecret, env);
    const result = { title: element.title, appId, appSecret };
    if (config.scope !== undefined) {
        if (config.scope !== 'snsapi_base' && config.scope !== 'snsapi_userinfo') {
            throw new WechatElementConfigError(configFile, 'scope', 'must be "snsapi_base" or "snsapi_userinfo"');
        }
        result.scope = config.scope;
    }
    if (config.state !== undefined && config.state !== '') {
        if (typeof config.state !== 'string' || !/^[a-zA-Z0-9]{1,96}$/.test(config.state)) {
            throw new WechatElementConfigError(configFile, 'state', 'must be at most 96 letters or digits');
        }
        result.state = config.state;
    }
    return result;
}
async function readJson(file) {
    let text;
    try {
        text = await readFile(file, 'utf8');
    }
    catch {
        throw new WechatElementConfigError(file, undefined, 'could not be read: does the element directory exist?');
    }
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        throw new WechatElementConfigError(file, undefined, `is not valid JSON (${error.message})`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new WechatElementConfigError(file, undefined, 'must hold a JSON object');
    }
    return value;
}
function requireString(file, object, field) {
    const value = object[field];
    if (typeof value !== 'string' || value.trim() === '')
        throw new WechatElementConfigError(file, field, 'is required: a non-empty string');
    return value;
}
function resolveSecret(file, value, env) {
    const name = typeof value === 'object' && value !== null && typeof value.env === 'string'
        ? value.env
        : typeof value === 'string'
            ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value)?.[1]
            : undefined;
    if (name !== undefined) {
        const secret = env[name];
        if (!secret)
            throw new WechatElementConfigError(file, 'appSecret', `refers to the environment variable ${name}, which is not set`);
        return secret;
    }
    if (typeof value !== 'string' || value.trim() === '') {
        throw new WechatElementConfigError(file, 'appSecret', 'is required: a string, or { "env": "WECHAT_APP_SECRET" } to read it from the environment');
    }
    return value;
}
//# sourceMappingURL=element-config.js.map