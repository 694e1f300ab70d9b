import type { Clock } from '../clock.js';
import { createTestClock } from '../clock.js';
import { DEFAULT_DOMAINS, DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_USERS, DEFAULT_EMULATOR_WEBSITE_APP, type EmulatorApp, type EmulatorUser } from './fixtures.js';

export interface WechatEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default `[DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_WEBSITE_APP]`; the first is `defaultApp`. */
  apps?: EmulatorApp[];
  /** Default `DEFAULT_EMULATOR_USERS`; replaces them when given. */
  users?: EmulatorUser[];
  /** Default a new test clock, so `advanceTime` always works. Share one with the code under test. */
  clock?: Clock;
  /** 'rotate' (default): each refresh returns a new refresh token and kills the old one. 'same': returns the same one. */
  refreshTokenRotation?: 'rotate' | 'same';
}

export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  apps: EmulatorApp[];
  users: EmulatorUser[];
  clock: Clock;
  refreshTokenRotation: 'rotate' | 'same';
}

/** Checks every option once, naming the option at fault; returns copies the caller cannot mutate under us. */
export function resolveEmulatorOptions(options: WechatEmulatorOptions = {}): ResolvedEmulatorOptions {
  const { port = 0, host = '127.0.0.1', refreshTokenRotation = 'rotate' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('"port" must be an integer from 0 to 65535 (0 picks a free port)');
  if (typeof host !== 'string' || !host) throw new TypeError('"host" must be a non-empty string such as "127.0.0.1"');
  if (refreshTokenRotation !== 'rotate' && refreshTokenRotation !== 'same') {
    throw new TypeError('"refreshTokenRotation" must be "rotate" or "same"');
  }
  const clock = options.clock ?? createTestClock();
  if (typeof clock?.now !== 'function') throw new TypeError('"clock" must have a now() method');
  return {
    port,
    host,
    refreshTokenRotation,
    clock,
    apps: resolveApps(options.apps ?? [DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_WEBSITE_APP]),
    users: resolveUsers(options.users ?? DEFAULT_EMULATOR_USERS),
  };
}

function resolveApps(apps: EmulatorApp[]): EmulatorApp[] {
  if (!Array.isArray(apps) || apps.length === 0) throw new TypeError('"apps" must be a non-empty array (the first is the default app)');
  const seen = new Set<string>();
  return apps.map((app, i) => {
    if (typeof app?.appId !== 'string' || !app.appId) throw new TypeError(`"apps[${i}].appId" must be a non-empty string`);
    if (typeof app.appSecret !== 'string' || !app.appSecret) throw new TypeError(`"apps[${i}].appSecret" must be a non-empty string`);
    if (seen.has(app.appId)) throw new TypeError(`"apps[${i}].appId" repeats ${app.appId}`);
    if (app.domains !== undefined && (!Array.isArray(app.domains) || app.domains.some((d) => typeof d !== 'string' || !d))) {
      throw new TypeError(`"apps[${i}].domains" must be an array of host names, e.g. ['localhost', 'example.com:8080']`);
    }
    if (app.kind !== undefined && app.kind !== 'official' && app.kind !== 'website') {
      throw new TypeError(`"apps[${i}].kind" must be "official" (an Official Account) or "website" (an Open Platform website app)`);
    }
    seen.add(app.appId);
    const kind = app.kind ?? 'official';
    return { ...app, kind, domains: [...(app.domains ?? DEFAULT_DOMAINS)], openPlatform: app.openPlatform ?? kind === 'website' };
  });
}

function resolveUsers(users: EmulatorUser[]): EmulatorUser[] {
  if (!Array.isArray(users)) throw new TypeError('"users" must be an array');
  const seen = new Set<string>();
  return users.map((user, i) => {
    if (typeof user?.id !== 'string' || !user.id) throw new TypeError(`"users[${i}].id" must be a non-empty string`);
    if (typeof user.nickname !== 'string') throw new TypeError(`"users[${i}].nickname" must be a string`);
    if (seen.has(user.id)) throw new TypeError(`"users[${i}].id" repeats ${user.id}`);
    seen.add(user.id);
    return { ...user, headimgurl: user.headimgurl ?? '' };
  });
}
