import { randomBytes } from 'node:crypto';
import type { WechatScope } from '../lib/index.js';

/** The example app's whole configuration, read once from the environment. */
export interface ExampleConfig {
  /** 0 picks a free port (tests). */
  port: number;
  /**
   * Where logins and sessions live, as createWechatLogin's `redis` option: a URL (REDIS_URL), a Cluster's
   * seed nodes (REDIS_CLUSTER_NODES), or unset: the in-memory store and express-session's MemoryStore (one
   * process, lost on restart).
   */
  redis: ExampleRedis | undefined;
  /** Unset: the built-in WeChat emulator plays WeChat, with its default test app. */
  credentials: { appId: string; appSecret: string } | undefined;
  /** WECHAT_WEBSITE_APP_ID and _SECRET: an Open Platform website app for desktop sign-in; unset: as without one. */
  websiteApp: { appId: string; appSecret: string } | undefined;
  scope: WechatScope | undefined;
  apiBaseUrl: string | undefined;
  authorizeBaseUrl: string | undefined;
  /** Unset: `http://localhost:<port actually bound>`. */
  publicUrl: string | undefined;
  sessionSecret: string;
  /**
   * TOKEN_ENCRYPTION_KEY: createWechatLogin's `tokenEncryptionKey`, comma-separated keys newest first (each
   * `openssl rand -base64 32`). Unset: tokens are sealed with a key derived from SESSION_SECRET.
   */
  tokenEncryptionKey: string[] | undefined;
  /** What a developer should know at start-up (insecure fallbacks in use). */
  warnings: string[];
}

export type ExampleEnv = Record<string, string | undefined>;

export type ExampleRedis = string | { cluster: string[] };

/** The only variables the example app reads. */
export const ENV_NAMES = [
  'PORT',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'WECHAT_APP_ID',
  'WECHAT_APP_SECRET',
  'WECHAT_WEBSITE_APP_ID',
  'WECHAT_WEBSITE_APP_SECRET',
  'WECHAT_SCOPE',
  'WECHAT_API_BASE',
  'WECHAT_OPEN_BASE',
  'PUBLIC_URL',
  'SESSION_SECRET',
  'TOKEN_ENCRYPTION_KEY',
] as const;

/** Reads and checks the environment; a bad value throws a TypeError naming the variable. */
export function readExampleConfig(env: ExampleEnv): ExampleConfig {
  const get = (name: (typeof ENV_NAMES)[number]) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const warnings: string[] = [];

  const portText = get('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new TypeError(`PORT must be a port number (0-65535); got ${JSON.stringify(portText)}`);

  const appId = get('WECHAT_APP_ID');
  const appSecret = get('WECHAT_APP_SECRET');
  if (Boolean(appId) !== Boolean(appSecret)) {
    throw new TypeError('Set both WECHAT_APP_ID and WECHAT_APP_SECRET (a real Official Account), or neither (the built-in WeChat emulator)');
  }

  const websiteAppId = get('WECHAT_WEBSITE_APP_ID');
  const websiteAppSecret = get('WECHAT_WEBSITE_APP_SECRET');
  if (Boolean(websiteAppId) !== Boolean(websiteAppSecret)) {
    throw new TypeError('Set both WECHAT_WEBSITE_APP_ID and WECHAT_WEBSITE_APP_SECRET (an Open Platform website app for desktop sign-in), or neither');
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
  const clusterText = get('REDIS_CLUSTER_NODES');
  if (redisUrl && clusterText) {
    throw new TypeError('Set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  const redis: ExampleRedis | undefined = clusterText ? { cluster: clusterNodes(clusterText) } : redisUrl;
  if (!redis) {
    warnings.push(
      'Neither REDIS_URL nor REDIS_CLUSTER_NODES is set: logins and sessions are kept in this process\'s memory (lost on restart, not shared). NOT FOR PRODUCTION.',
    );
  }

  let sessionSecret = get('SESSION_SECRET');
  if (!sessionSecret) {
    sessionSecret = randomBytes(32).toString('hex');
    warnings.push('SESSION_SECRET is not set: using a random one, so every restart signs everybody out. Set it in production.');
  }

  return {
    port,
    redis,
    credentials: appId && appSecret ? { appId, appSecret } : undefined,
    websiteApp: websiteAppId && websiteAppSecret ? { appId: websiteAppId, appSecret: websiteAppSecret } : undefined,
    scope,
    apiBaseUrl,
    authorizeBaseUrl,
    publicUrl,
    sessionSecret,
    tokenEncryptionKey: get('TOKEN_ENCRYPTION_KEY')
      ?.split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
    warnings,
  };
}

function httpUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an http(s) URL; got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must be an http(s) URL; got ${JSON.stringify(value)}`);
  return value;
}

/**
 * REDIS_CLUSTER_NODES: comma-separated seed nodes, each `host:port` (`[v6]:port` for IPv6), or a redis:// or
 * rediss:// URL with a port when the cluster needs a password or TLS. The other nodes are discovered from them.
 */
function clusterNodes(text: string): string[] {
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, i) => {
    if (!isClusterNode(entry)) {
      const which = entries.length > 1 ? ` entry ${i + 1} of ${entries.length}` : '';
      const got = entry ? `got ${JSON.stringify(hidePassword(entry))}` : 'got an empty entry (a stray comma?)';
      throw new TypeError(
        `REDIS_CLUSTER_NODES${which} must be host:port (e.g. 10.0.0.1:6379), or a redis:// or rediss:// URL with a port; ${got}`,
      );
    }
  });
  // ioredis uses one user, password and TLS setting for every node of a cluster, the discovered ones too.
  const access = (entry: string) => {
    if (!/^rediss?:\/\//.test(entry)) return 'redis: none';
    const url = new URL(entry);
    return `${url.protocol} ${url.username}:${url.password}`;
  };
  if (entries.some((entry) => access(entry) !== access(entries[0]!))) {
    throw new TypeError('REDIS_CLUSTER_NODES entries must share one scheme, user and password: they apply to every node of the cluster');
  }
  return entries;
}

function isClusterNode(entry: string): boolean {
  if (/^rediss?:\/\//.test(entry)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return false;
    }
    return url.hostname !== '' && isPort(url.port) && (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash;
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d+)$/.exec(entry);
  return match !== null && isPort(match[2]!);
}

function isPort(text: string): boolean {
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1 && port <= 65535;
}

function hidePassword(text: string): string {
  if (!text.includes('@')) return text;
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = '***';
    return url.href;
  } catch {
    return text.replace(/\/\/.*@/, '//***@');
  }
}

/** The start-up line saying which Redis the app uses; no password in it. */
export function describeRedis(redis: ExampleRedis): string {
  if (typeof redis === 'string') return `Redis: ${hidePassword(redis)}`;
  const nodes = redis.cluster.map((entry) => (/^rediss?:\/\//.test(entry) ? new URL(entry).host : entry));
  const first = redis.cluster[0]!;
  const access = [first.startsWith('rediss:') ? 'TLS' : '', /^rediss?:\/\/[^@/]*@/.test(first) ? 'with credentials' : ''].filter(Boolean);
  return `Redis Cluster: seed nodes ${nodes.join(', ')}${access.length ? ` (${access.join(', ')})` : ''}; the other nodes are discovered from them`;
}
