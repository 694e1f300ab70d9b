import { createAdvanceableSystemClock } from '../clock.js';
import { startWechatEmulator, type WechatEmulator } from './emulator.js';

export interface CliOptions {
  port: number;
  host: string;
}

export const USAGE = 'Usage: wechat-emulator [--port N] [--host HOST]';

/** Reads `--port N`, `--port=N`, `--host H`; throws a TypeError with the usage on anything else. */
export function parseCliArgs(args: readonly string[]): CliOptions {
  const options: CliOptions = { port: 0, host: '127.0.0.1' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (flag === '--port' && value !== undefined && /^\d+$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else if (flag === '--host' && value) options.host = value;
    else throw new TypeError(`Unexpected argument ${JSON.stringify(args[i] ?? flag)}\n${USAGE}`);
  }
  return options;
}

/** Starts the emulator with the default app and users and prints how to reach it. */
export async function runCli(args: readonly string[], print: (line: string) => void): Promise<WechatEmulator> {
  // Real time, so codes and tokens expire by themselves in a long-running emulator; still advanceable.
  const emulator = await startWechatEmulator({ clock: createAdvanceableSystemClock(), ...parseCliArgs(args) });
  print(`WeChat emulator listening on ${emulator.url}`);
  print(`appId:     ${emulator.defaultApp.appId}`);
  print(`appSecret: ${emulator.defaultApp.appSecret}`);
  print(`users:     ${emulator.users.map((u) => u.id).join(', ')}`);
  return emulator;
}
