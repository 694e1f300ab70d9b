import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { OPTIONS_HEADING, parseCliArgs, runCli } from '../../lib/testing/cli-run.js';
import { resolveConfig } from '../../lib/config/config.js';
import { DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_USERS, startWechatEmulator } from '../../lib/testing/index.js';

describe('wechat-emulator command', () => {
  it('reads --port N, --port=N and --host', () => {
    expect(parseCliArgs([])).toEqual({ port: 0, host: '127.0.0.1' });
    expect(parseCliArgs(['--port', '4000'])).toEqual({ port: 4000, host: '127.0.0.1' });
    expect(parseCliArgs(['--port=4001', '--host', '0.0.0.0'])).toEqual({ port: 4001, host: '0.0.0.0' });
  });

  it('refuses anything else with the usage', () => {
    expect(() => parseCliArgs(['--port'])).toThrow(/Usage: wechat-emulator/);
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow(/Usage/);
    expect(() => parseCliArgs(['--verbose'])).toThrow(/Usage/);
  });

  it("prints where it listens and the default app's credentials", async () => {
    const lines: string[] = [];
    const emulator = await runCli([], (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(`WeChat emulator listening on ${emulator.url}`);
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).toContain(DEFAULT_EMULATOR_APP.appId);
      expect(lines.join('\n')).toContain(DEFAULT_EMULATOR_APP.appSecret);
    } finally {
      await emulator.close();
    }
  });

  it('prints the options an app needs, ready to paste into createWechatLogin({ ... })', async () => {
    const lines: string[] = [];
    const emulator = await runCli(['--host', '0.0.0.0'], (line) => lines.push(line), {});
    try {
      const start = lines.findIndex((line) => line.startsWith(OPTIONS_HEADING));
      expect(start).toBeGreaterThan(0);
      // Evaluated as the object literal it is pasted into.
      const pasted = new Function(`return ({\n${lines.slice(start + 1).join('\n')}\n});`)() as Record<string, unknown>;
      const reachable = emulator.url.replace('0.0.0.0', '127.0.0.1');
      expect(pasted).toEqual({
        appId: DEFAULT_EMULATOR_APP.appId,
        appSecret: DEFAULT_EMULATOR_APP.appSecret,
        apiBaseUrl: reachable,
        authorizeBaseUrl: reachable,
        publicUrl: 'http://localhost:3000',
        emulatorLink: true,
      });
      const warnings: string[] = [];
      const config = resolveConfig(
        { ...(pasted as { appId: string; appSecret: string }), redis: 'redis://127.0.0.1:6379', session: { secret: 'x'.repeat(32) } },
        (message) => warnings.push(message),
      );
      expect(config.api.apiBaseUrl).toBe(reachable);
      expect(warnings).toEqual([]);
      expect(lines.join('\n')).toContain('X-Wechat-Emulator-User: alice');
    } finally {
      await emulator.close();
    }
  });

  it('prints the publicUrl for the port the app listens on: --app-port, else $PORT, else 3000', async () => {
    const publicUrlOf = async (args: string[], env: NodeJS.ProcessEnv) => {
      const lines: string[] = [];
      const emulator = await runCli(args, (line) => lines.push(line), env);
      await emulator.close();
      return /publicUrl: '([^']+)'/.exec(lines.join('\n'))?.[1];
    };
    expect(await publicUrlOf(['--app-port', '8080'], { PORT: '5000' })).toBe('http://localhost:8080');
    expect(await publicUrlOf([], { PORT: '5000' })).toBe('http://localhost:5000');
    expect(await publicUrlOf([], { PORT: 'x' })).toBe('http://localhost:3000');
    expect(() => parseCliArgs(['--app-port', '0'])).toThrow(/Usage/);
  });

  it('is a node script, runnable once compiled to dist/testing/cli.js', () => {
    const source = readFileSync(new URL('../../lib/testing/cli.ts', import.meta.url), 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(source).toMatch(/SIGINT/);
    expect(source).toMatch(/SIGTERM/);
  });
});

describe('defaults and options', () => {
  it('ships a default app shaped like a real one', () => {
    expect(DEFAULT_EMULATOR_APP.appId).toMatch(/^wx[0-9a-f]{16}$/);
    expect(DEFAULT_EMULATOR_APP.appSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(DEFAULT_EMULATOR_APP.domains).toEqual(['localhost', '127.0.0.1']);
    expect(DEFAULT_EMULATOR_APP.openPlatform).toBe(true);
  });

  it('ships alice (Chinese nickname, avatar, unionid), bob (no avatar) and a snapshot user', () => {
    const byId = Object.fromEntries(DEFAULT_EMULATOR_USERS.map((u) => [u.id, u]));
    expect(byId.alice!.nickname).toMatch(/[\u4e00-\u9fff]/);
    expect(byId.alice!.headimgurl).toBe('/avatar/alice/132');
    expect(byId.alice!.unionid).toBeTruthy();
    expect(byId.bob!.headimgurl).toBe('');
    expect(byId.snapshot!.snapshot).toBe(true);
  });

  it('exposes apps with defaults filled, apps[0] as defaultApp, and the same url for both WeChat hosts', async () => {
    const wechat = await startWechatEmulator({ apps: [{ appId: 'wxa', appSecret: 'a' }, { appId: 'wxb', appSecret: 'b' }] });
    try {
      expect(wechat.defaultApp).toEqual({ appId: 'wxa', appSecret: 'a', kind: 'official', domains: ['localhost', '127.0.0.1'], openPlatform: false });
      expect(wechat.apiBaseUrl).toBe(wechat.url);
      expect(wechat.authorizeBaseUrl).toBe(wechat.url);
    } finally {
      await wechat.close();
    }
  });

  it.each([
    [{ port: -1 }, /"port"/],
    [{ apps: [] }, /"apps"/],
    [{ apps: [{ appId: 'wx1', appSecret: '' }] }, /"apps\[0\]\.appSecret"/],
    [{ apps: [{ appId: 'wx1', appSecret: 's' }, { appId: 'wx1', appSecret: 's' }] }, /"apps\[1\]\.appId" repeats/],
    [{ users: [{ id: 'a', nickname: 'A' }, { id: 'a', nickname: 'B' }] }, /"users\[1\]\.id" repeats/],
    [{ refreshTokenRotation: 'never' as 'same' }, /"refreshTokenRotation"/],
  ])('refuses bad options %j with a TypeError naming the option', async (options, message) => {
    await expect(startWechatEmulator(options)).rejects.toThrow(message);
  });
});
