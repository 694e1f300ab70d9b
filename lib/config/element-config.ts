import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ERR_ELEMENT_CONFIG, WechatLoginError } from '../errors.js';
import type { WechatLoginOptions } from './config.js';
import { isWechatScope } from '../wechat/types.js';

export const WECHAT_ELEMENT_TYPE = 'auths.loginTypes.WechatPublicType';

/** A bad element directory: the message names the file and the field. */
export class WechatElementConfigError extends WechatLoginError {
  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, field: string | undefined, problem: string) {
    super(`${file}${field ? `: "${field}"` : ''} ${problem}`, { code: ERR_ELEMENT_CONFIG });
    this.file = file;
    this.field = field;
  }
}

export interface LoadElementOptions {
  /** Where element paths start. Default process.cwd(). */
  baseDir?: string;
  /** Where `{ "env": "NAME" }` and "${NAME}" secrets are read. Default process.env. */
  env?: Record<string, string | undefined>;
}

export type WechatElementOptions = Pick<WechatLoginOptions, 'appId' | 'appSecret' | 'scope' | 'state'> & { title: string };

/**
 * Reads the seed's element directory: `e.json` (type and title) and `<Name>.json` (appId, appSecret, scope,
 * state). The secret may be a reference to an environment variable so it need not be committed:
 * `"appSecret": { "env": "WECHAT_APP_SECRET" }` or `"appSecret": "${WECHAT_APP_SECRET}"`.
 *
 * @example
 * const element = await loadWechatLoginElement('auths/loginTypes/MyWechatLogin');
 * const wechat = createWechatLogin({ ...element, redis, session });
 */
export async function loadWechatLoginElement(elementPath: string, options: LoadElementOptions = {}): Promise<WechatElementOptions> {
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
  const result: WechatElementOptions = { title: element.title, appId, appSecret };
  if (config.scope !== undefined) {
    if (!isWechatScope(config.scope)) {
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

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new WechatElementConfigError(file, undefined, 'could not be read: does the element directory exist?');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WechatElementConfigError(file, undefined, `is not valid JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new WechatElementConfigError(file, undefined, 'must hold a JSON object');
  }
  return value as Record<string, unknown>;
}

function requireString(file: string, object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') throw new WechatElementConfigError(file, field, 'is required: a non-empty string');
  return value;
}

function resolveSecret(file: string, value: unknown, env: Record<string, string | undefined>): string {
  const name =
    typeof value === 'object' && value !== null && typeof (value as { env?: unknown }).env === 'string'
      ? (value as { env: string }).env
      : typeof value === 'string'
        ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value)?.[1]
        : undefined;
  if (name !== undefined) {
    const secret = env[name];
    if (!secret) throw new WechatElementConfigError(file, 'appSecret', `refers to the environment variable ${name}, which is not set`);
    return secret;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WechatElementConfigError(file, 'appSecret', 'is required: a string, or { "env": "WECHAT_APP_SECRET" } to read it from the environment');
  }
  return value;
}
