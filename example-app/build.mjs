// `npm run build:example`, and the first step of `npm start` (example-app/start.mjs).
//
// Compiles the example app with tsconfig.example.json into build/example-<hash>/, where <hash> is a digest of
// everything the output depends on. Any number of starts may run this at once from one folder (`npm start`
// twice, a process manager starting four):
// - a build is only ever seen complete: tsc writes into a temp folder that is renamed into place, and a
//   published folder is never written again (new sources get a new folder);
// - a lock folder next to it lets one start compile while the others wait, instead of four tsc runs at once.
//   The lock only saves work: were two to compile anyway (a stale lock taken over twice), the second rename
//   fails because the folder exists, and that start uses the first one's output;
// - when tsc fails, the starts that waited for it fail at once (an `example-<hash>.failed` marker) rather than
//   each compiling the same broken sources again in turn.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const TSCONFIG = 'tsconfig.example.json';
/** Published builds kept besides the current one, for starts that are still loading an older one. */
const KEEP_OLDER = 2;
/** A lock whose owner left no trace this long after taking it is stale (it died between mkdir and write). */
const OWNERLESS_LOCK_MS = 10_000;
/** Longer than any compile of this project; then we stop waiting and say which lock to look at. */
const WAIT_LIMIT_MS = 5 * 60_000;

/**
 * Makes sure the compiled example app for the current sources exists and returns its folder
 * (`<root>/build/example-<hash>`, holding `example-app/server.js` and `lib/`).
 *
 * @param {{ root?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<string>}
 * @example
 * const dir = await ensureExampleBuild();
 * await import(pathToFileURL(join(dir, 'example-app/server.js')).href);
 */
export async function ensureExampleBuild({ root = ROOT, log = (line) => console.log(line) } = {}) {
  const buildDir = join(root, 'build');
  const hash = sourceHash(root);
  const target = join(buildDir, `example-${hash}`);
  if (existsSync(target)) return target;

  mkdirSync(buildDir, { recursive: true });
  const lock = `${target}.lock`;
  const failed = `${target}.failed`;
  const waitUntil = Date.now() + WAIT_LIMIT_MS;
  /** The live start we are waiting for. If tsc fails for it, it fails for us too: say so instead of compiling again. */
  let waitingFor;
  const failIfItFailed = () => {
    if (waitingFor && readJson(failed)?.pid === waitingFor.pid) {
      throw new Error(`tsc failed for the start that compiled these sources (${waitingFor.text}): see its messages`);
    }
  };
  for (;;) {
    if (existsSync(target)) return target;
    failIfItFailed();
    if (tryLock(lock)) break;
    const owner = lockOwner(lock);
    if (owner.stale) {
      // Its owner died (killed mid-compile): take over.
      waitingFor = undefined;
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > waitUntil) {
      throw new Error(`${rel(root, lock)} has been held for ${WAIT_LIMIT_MS / 60_000} minutes (${owner.text}); remove it if no build is running`);
    }
    if (owner.pid !== undefined && owner.pid !== waitingFor?.pid) {
      log(`example-app: waiting for another start to compile ${rel(root, target)}/ (${owner.text})`);
      waitingFor = owner;
    }
    await sleep(100);
  }

  try {
    // Someone may have published, or failed, between our last look and taking the lock.
    if (existsSync(target)) return target;
    failIfItFailed();
    const temp = join(buildDir, `.tmp-example-${hash}-${process.pid}-${randomBytes(4).toString('hex')}`);
    log(`example-app: compiling lib/ and example-app/ (${TSCONFIG}) into ${rel(root, target)}/ …`);
    const started = performance.now();
    try {
      await tsc(root, temp);
      publish(temp, target);
    } catch (error) {
      writeFileSync(failed, JSON.stringify({ pid: process.pid }));
      throw error;
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
    rmSync(failed, { force: true });
    log(`example-app: compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    prune(buildDir, target);
    return target;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * What the compiled output depends on: every file under the folders tsconfig.example.json includes, the
 * tsconfig files, the TypeScript version and this script. Contents, not mtimes: a checkout or a copy that
 * touches files without changing them costs no rebuild, and an edit is never missed.
 */
function sourceHash(root) {
  const hash = createHash('sha256');
  const add = (path) => {
    hash.update(`${relative(root, path)}\0`);
    hash.update(readFileSync(path));
    hash.update('\0');
  };
  const { include = [] } = JSON.parse(readFileSync(join(root, TSCONFIG), 'utf8'));
  // Every include is `<folder>/**/…`; hashing all of each folder is a superset, which only costs a rebuild.
  const folders = [...new Set(include.map((pattern) => pattern.split('/')[0]))].sort();
  for (const folder of folders) for (const file of filesUnder(join(root, folder))) add(file);
  for (const name of readdirSync(root).filter((n) => /^tsconfig.*\.json$/.test(n)).sort()) add(join(root, name));
  hash.update(`typescript ${typescriptVersion(root)}\0`);
  add(fileURLToPath(import.meta.url));
  return hash.digest('hex').slice(0, 12);
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

function typescriptVersion(root) {
  try {
    return JSON.parse(readFileSync(createRequire(join(root, 'package.json')).resolve('typescript/package.json'), 'utf8')).version;
  } catch {
    throw new Error('TypeScript is not installed: run `npm ci` first (it is a devDependency)');
  }
}

/** mkdir is atomic: exactly one of several starts creates the folder. */
function tryLock(lock) {
  try {
    mkdirSync(lock);
  } catch (error) {
    if (error.code === 'EEXIST') return false;
    throw error;
  }
  writeFileSync(join(lock, 'owner'), JSON.stringify({ pid: process.pid, host: hostname() }));
  return true;
}

function lockOwner(lock) {
  const owner = readJson(join(lock, 'owner'));
  if (!owner) {
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      return { stale: false, text: 'just released' };
    }
    return { stale: age > OWNERLESS_LOCK_MS, text: 'owner not yet known' };
  }
  // A process on another machine sharing this folder cannot be checked: it is waited for.
  if (owner.host !== hostname()) return { stale: false, pid: owner.pid, text: `pid ${owner.pid} on ${owner.host}` };
  return { stale: !isAlive(owner.pid), pid: owner.pid, text: `pid ${owner.pid}` };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** tsc as `npm start` always ran it, into `outDir`; its diagnostics go to our output. Type errors fail the build. */
function tsc(root, outDir) {
  const bin = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '-p', TSCONFIG, '--outDir', outDir], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`tsc -p ${TSCONFIG} failed (${signal ?? `exit code ${code}`}): see its messages above`));
    });
  });
}

function publish(temp, target) {
  try {
    renameSync(temp, target);
  } catch (error) {
    // Another start published the same sources first; its output is as good as ours.
    if ((error.code === 'ENOTEMPTY' || error.code === 'EEXIST') && existsSync(target)) return;
    throw error;
  }
}

/**
 * Keeps the newest few builds (a start may still be loading one), and removes temp folders of builds that
 * died. A running app has loaded all its modules at start-up, so removing its folder does not affect it.
 */
function prune(buildDir, current) {
  const entries = readdirSync(buildDir, { withFileTypes: true }).filter((e) => e.isDirectory());
  const older = entries
    .filter((e) => /^example-[0-9a-f]{12}$/.test(e.name) && join(buildDir, e.name) !== current)
    .map((e) => ({ path: join(buildDir, e.name), mtime: statSync(join(buildDir, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { path } of older.slice(KEEP_OLDER)) rmSync(path, { recursive: true, force: true });
  for (const e of entries) {
    const pid = /^\.tmp-example-[0-9a-f]{12}-(\d+)-[0-9a-f]+$/.exec(e.name)?.[1];
    if (pid && !isAlive(Number(pid))) rmSync(join(buildDir, e.name), { recursive: true, force: true });
  }
  for (const name of readdirSync(buildDir).filter((n) => /^example-[0-9a-f]{12}\.failed$/.test(n))) rmSync(join(buildDir, name), { force: true });
}

function rel(root, path) {
  return relative(root, path) || '.';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureExampleBuild().then(
    (dir) => console.log(`example-app: ${rel(ROOT, dir)}/example-app/server.js is up to date`),
    (error) => {
      console.error(`example-app: build failed: ${error.message}`);
      process.exit(1);
    },
  );
}
