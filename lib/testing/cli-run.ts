import { createAdvanceableSystemClock } from '../clock.js';
import { startWechatEmulator, type WechatEmulator } from './emulator.js';
import { USER_HEADER } from './authorize-routes.js';

export interface CliOptions {
  port: number;
  host: string;
  /** The port your app listens on, for the printed publicUrl (default: $PORT, else 3000). */
  appPort?: number;
}

export const USAGE = 'Usage: wechat-emulator [--port N] [--host HOST] [--app-port N]';

/** The heading of the banner's createWechatLogin() options; the option lines follow it up to the end. */
export const OPTIONS_HEADING = 'Options for createWechatLogin(), ready to paste';

/** Where the app under test runs in the printed options when neither --app-port nor $PORT says: any port works on the default app's domains. */
const DEFAULT_APP_PORT = 3000;

/** Reads `--port N`, `--port=N`, `--host H`, `--app-port N`; throws a TypeError with the usage on anything else. */
export function parseCliArgs(args: readonly string[]): CliOptions {
  const options: CliOptions = { port: 0, host: '127.0.0.1' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (flag === '--port' && isPort(value)) options.port = Number(value);
    else if (flag === '--app-port' && isPort(value) && Number(value) > 0) options.appPort = Number(value);
    else if (flag === '--host' && value) options.host = value;
    else throw new TypeError(`Unexpected argument ${JSON.stringify(args[i] ?? flag)}\n${USAGE}`);
  }
  return options;
}

function isPort(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value) && Number(value) <= 65535;
}

/** --app-port, else $PORT (as the app itself reads it), else 3000. */
function appPortOf(options: CliOptions, env: NodeJS.ProcessEnv): number {
  if (options.appPort) return options.appPort;
  const fromEnv = env.PORT;
  return isPort(fromEnv) && Number(fromEnv) > 0 ? Number(fromEnv) : DEFAULT_APP_PORT;
}

/**
 * Starts the emulator with the default app and users and prints how to reach it: the users, and the
 * options an app needs to log in against it, as lines to paste into createWechatLogin({ ... }).
 */
export async function runCli(
  args: readonly string[],
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WechatEmulator> {
  const options = parseCliArgs(args);
  const appPort = appPortOf(options, env);
  const listen = { port: options.port, host: options.host };
  // Real time, so codes and tokens expire by themselves in a long-running emulator; still advanceable.
  const emulator = await startWechatEmulator({ clock: createAdvanceableSystemClock(), ...listen });
  const { appId, appSecret, domains = [] } = emulator.defaultApp;
  const base = browsableUrl(emulator.url);
  const users = emulator.users.map((u) => u.id);
  print(`WeChat emulator listening on ${emulator.url}`);
  print(`Test users: ${users.join(', ')} (pick one on the consent page, or send the header "${headerName(USER_HEADER)}: ${users[0] ?? 'alice'}")`);
  print('');
  print(`${OPTIONS_HEADING} (publicUrl: your app's origin, any port on ${domains.join(' or ')}):`);
  print(`  appId: ${quote(appId)},`);
  print(`  appSecret: ${quote(appSecret)},`);
  print(`  apiBaseUrl: ${quote(base)},`);
  print(`  authorizeBaseUrl: ${quote(base)},`);
  print(`  publicUrl: ${quote(`http://${domains[0] ?? 'localhost'}:${appPort}`)}, // --app-port or $PORT`);
  print(`  emulatorLink: true, // development only: the desktop's scan page links the code's URL, to open with the emulator`);
  return emulator;
}

/** A browser cannot be sent to a wildcard address: `--host 0.0.0.0` is reached on the loopback address. */
function browsableUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  else if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.origin;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `x-wechat-emulator-user` as people write headers: `X-Wechat-Emulator-User`. */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}
