// The one runner of the bench scripts (`npm run bench`, `npm run soak`, `npm run bench:logins`): bundles a script
// and the processes it forks with esbuild into bench/.build/<name>-<pid>/ (lib/ and example-app/ included,
// packages stay external), then runs the bundle with the arguments given; a forked script sits beside it.
// esbuild rather than tsc: it takes a fraction of a second and does not stop on a type error in code others
// are editing. `npx tsc -p bench/tsconfig.json` type-checks the scripts.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The app process the cluster scripts fork (__tests__/helpers/app-process.ts). */
export const APP_PROCESS = { 'app-process': join('..', '__tests__', 'helpers', 'app-process.ts') };

/**
 * @param {string} name the script's name: its bundle is `<name>.mjs`
 * @param {string} entry the script, relative to bench/
 * @param {Record<string, string>} forked the scripts it forks, by bundle name, relative to bench/
 */
export async function runBundled(name, entry, forked) {
  // A folder per run: a second run (the smoke test during `npm test`) must not rewrite the scripts this one forks.
  const outdir = join(here, '.build', `${name}-${process.pid}`);
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const entryPoints = Object.fromEntries(Object.entries({ [name]: entry, ...forked }).map(([out, path]) => [out, join(here, path)]));
  await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(outdir, `${name}.mjs`)).href);
}
