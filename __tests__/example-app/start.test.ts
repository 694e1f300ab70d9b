import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` as a new user and a process manager run it: in a fresh copy of the repository (no build/ yet),
 * several at once. Every start compiles or waits for the one compiling; none runs a half-written file.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let clone: string;
const started: NpmStart[] = [];

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'wol-example-start-'));
  for (const path of ['package.json', 'tsconfig.json', 'tsconfig.example.json', 'lib', 'example-app']) {
    cpSync(join(root, path), join(clone, path), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
});

afterAll(async () => {
  await Promise.all(started.map((start) => start.stop()));
  rmSync(clone, { recursive: true, force: true });
});

interface NpmStart {
  /** Resolves with the URL of `listening on …`, rejects if the start exits first. */
  listening: Promise<string>;
  exited: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
}

function npmStart(): NpmStart {
  const { NODE_OPTIONS: _jestFlags, REDIS_URL: _r, REDIS_CLUSTER_NODES: _c, WECHAT_APP_ID: _i, WECHAT_APP_SECRET: _s, PUBLIC_URL: _p, ...env } =
    process.env;
  // A group of its own: npm runs node through a shell, and stop() ends all three.
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: clone,
    env: { ...env, PORT: '0', SESSION_SECRET: 'start-test-session-secret-0123456789abcdef' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const url = /listening on (http:\/\/localhost:\d+)/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => {}); // awaited by the test that expects it; a failed start is read from exited
  const start: NpmStart = {
    listening,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.push(start);
  return start;
}

const builds = (): string[] => {
  try {
    return readdirSync(join(clone, 'build')).sort();
  } catch {
    return []; // no start has run yet
  }
};
const published = () => builds().filter((name) => /^example-[0-9a-f]{12}$/.test(name));
const compiled = (starts: NpmStart[]) => starts.filter((s) => s.output().includes('example-app: compiling')).length;

describe('npm start, several at once from one folder', () => {
  it('four starts in a fresh clone compile once, all four listen and serve the home page, and a later start compiles nothing', async () => {
    const starts = Array.from({ length: 4 }, () => npmStart());
    const urls = await Promise.all(starts.map((s) => s.listening));

    expect(new Set(urls).size).toBe(4);
    for (const url of urls) {
      const response = await fetch(url, { headers: { Accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Sign in with WeChat');
    }
    expect(compiled(starts)).toBe(1);
    expect(starts.filter((s) => s.output().includes('example-app: waiting for another start')).length).toBeGreaterThanOrEqual(1);
    // Only the published build: no lock, no temp folder, no failure marker.
    expect(builds()).toEqual([expect.stringMatching(/^example-[0-9a-f]{12}$/)]);
    await Promise.all(starts.map((s) => s.stop()));

    const later = npmStart();
    await later.listening;
    expect(compiled([later])).toBe(0);
    expect(builds()).toHaveLength(1);
    await later.stop();
  }, 180_000);

  it('after an edit with a type error, starts at once fail with tsc\'s message shown once, and publish nothing', async () => {
    const before = published();
    const edited = join(clone, 'example-app/pages.ts');
    const original = readFileSync(edited);
    appendFileSync(edited, "\nexport const broken: number = 'not a number';\n");
    const starts = [npmStart(), npmStart()];
    const codes = await Promise.all(starts.map((s) => s.exited));
    writeFileSync(edited, original);

    expect(codes).toEqual([1, 1]);
    const outputs = starts.map((s) => s.output()).join('\n');
    expect(outputs.match(/error TS2322/g)).toHaveLength(1);
    expect(outputs).toContain('tsc failed for the start that compiled these sources');
    for (const s of starts) expect(s.output()).not.toContain('listening on');
    expect(published()).toEqual(before);
    expect(builds().filter((name) => /\.lock$|^\.tmp-/.test(name))).toEqual([]);
  }, 180_000);
});
