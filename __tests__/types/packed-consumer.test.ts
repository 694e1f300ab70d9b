import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = process.cwd();

// What a user's app sees: the .d.ts files `npm pack` ships, resolved through package.json "exports", with only
// the packages that installing the tarball brings along. source-types.test.ts checks lib/'s source instead.
//
// Why not `npm install <tarball>` into the temp project: offline, npm resolves every range (`@types/node: "*"`)
// to the newest version in its cached packument, whose tarball the cache does not hold (it has what our lockfile
// pinned). So the project's node_modules is built from ours: the tarball's own dependencies (read from the packed
// package.json, so a types package left in devDependencies is missing here as it would be for a user), plus
// express, followed through package-lock.json the way Node resolves them, and copied — not symlinked, since tsc
// follows a symlink to its real path and would then find every devDependency in this repo's node_modules.

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}

/** The lockfile paths of `roots` and everything they depend on, resolved from `from` as Node walks up node_modules. */
function dependencyClosure(lock: Record<string, LockEntry>, roots: string[]): Set<string> {
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const visit = (from: string, name: string, optional: boolean): void => {
    const path = resolve(from, name);
    if (!path) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the package'}) is not in package-lock.json`);
    }
    if (found.has(path)) return;
    found.add(path);
    const entry = lock[path]!;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
    // npm installs peer dependencies too (connect-redis brings express-session's types into play this way).
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(path, dep, entry.peerDependenciesMeta?.[dep]?.optional ?? false);
  };
  for (const name of roots) visit('', name, false);
  return found;
}

/** The README's "Quick start" code block, so this test fails when the README drifts from what compiles. */
function readmeQuickStart(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```ts block under "## Quick start"');
  return block;
}

// Appended to the quick start: what a handler reads. Equal<> fails on `any`, which strict mode would let through.
const handler = `
import type { SessionLogin, WechatPublicUser } from 'wechat-official-login';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

app.get('/whoami', wechat.requireWechatUser(), (req, res) => {
  const login = req.session.wechat?.login;
  const user = req.wechat.user;
  assertType<Equal<typeof login, SessionLogin | undefined>>();
  assertType<Equal<typeof user, WechatPublicUser | null>>();
  res.json({ userId: login?.userId, nickname: user?.nickname });
});

// The app types its own account, as express-session's SessionData is typed: onLogin must return it, and
// req.wechat.account is it. requireUser() is the user without "| null" behind the guard.
declare module 'wechat-official-login' {
  interface WechatLoginTypes {
    account: { shopperId: number };
  }
}

app.get('/account', wechat.requireWechatUser(), (req, res) => {
  const account = req.wechat.account;
  const user = req.wechat.requireUser();
  const nickname = user.nickname;
  assertType<Equal<typeof account, { shopperId: number } | undefined>>();
  assertType<Equal<typeof user, WechatPublicUser>>();
  res.json({ shopperId: account?.shopperId, nickname });
});

const typedOptions = { appId: 'wx1', appSecret: 's', redis: 'redis://127.0.0.1', session: { secret: 'x'.repeat(32) } };
createWechatLogin({ ...typedOptions, onLogin: async (user) => ({ shopperId: user.id }) });
// @ts-expect-error onLogin must return the declared account
createWechatLogin({ ...typedOptions, onLogin: () => ({ shopperId: 'not a number' }) });
`;

// The other two entry points, so every .d.ts a user can reach is compiled.
const otherEntries = `
export type * as client from 'wechat-official-login/client';
export type * as testing from 'wechat-official-login/testing';
`;

const tsconfig = {
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['server.ts', 'entries.ts'],
};

/**
 * tsc's errors in our .d.ts files and the app, in full; errors inside dependencies' types (thousands when
 * @types/node is missing) counted per file, so they do not bury ours.
 */
function summarize(output: string): string {
  const errors = output.trim().split(/\n(?=\S)/);
  const ours = errors.filter((e) => !e.startsWith('node_modules/') || e.startsWith('node_modules/wechat-official-login/'));
  const theirs = new Map<string, number>();
  for (const e of errors.filter((e) => !ours.includes(e))) {
    const file = e.slice(0, e.indexOf('('));
    theirs.set(file, (theirs.get(file) ?? 0) + 1);
  }
  const top = [...theirs].sort((a, b) => b[1] - a[1]);
  return [
    ...ours.slice(0, 60),
    ...(ours.length > 60 ? [`… and ${ours.length - 60} more`] : []),
    ...(top.length ? [`${errors.length - ours.length} errors in dependencies' types:`] : []),
    ...top.slice(0, 10).map(([file, n]) => `  ${file}: ${n}`),
    ...(top.length > 10 ? [`  … and ${top.length - 10} more files`] : []),
  ].join('\n');
}

describe('the packed tarball', () => {
  it("compiles in a new strict TypeScript app (NodeNext, skipLibCheck false) with only express beside it: the README's quick start and a handler reading req.session.wechat and req.wechat.user", async () => {
    const temp = mkdtempSync(join(tmpdir(), 'wechat-packed-consumer-'));
    try {
      await run('npm', ['run', 'build'], { cwd: repo }).catch((error: { stdout: string; stderr: string }) => {
        throw new Error(`npm run build failed:\n${error.stdout}${error.stderr}`);
      });
      const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', temp], { cwd: repo });
      const tarball = join(temp, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);

      const app = join(temp, 'app');
      const installed = join(app, 'node_modules', 'wechat-official-login');
      mkdirSync(installed, { recursive: true });
      await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

      const shipped = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const lock = (JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
      const roots = [...Object.keys(shipped.dependencies ?? {}), ...Object.keys(shipped.peerDependencies ?? {}), 'express'];
      for (const path of dependencyClosure(lock, roots)) {
        const from = join(repo, path);
        if (!existsSync(from)) throw new Error(`${path} is in package-lock.json but not installed: run npm ci`);
        // Nested node_modules are copied as their own closure entries, so a dev-only package nested there stays out.
        cpSync(from, join(app, path), { recursive: true, filter: (source) => source !== join(from, 'node_modules') });
      }

      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      writeFileSync(join(app, 'server.ts'), readmeQuickStart() + handler);
      writeFileSync(join(app, 'entries.ts'), otherEntries);

      // This repo's typescript is the user's: module resolution starts from the app's files, not from tsc.
      const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
      const compiled = await run('node', [tsc, '-p', app], { cwd: app, maxBuffer: 64 * 1024 * 1024 }).then(
        () => '',
        (error: { stdout: string; stderr: string }) => summarize(`${error.stdout}${error.stderr}`) || 'tsc failed without output',
      );
      expect(compiled).toBe('');
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }, 180_000);
});
