// `npm run soak`: bundles bench/soak.ts and the app process it forks (__tests__/helpers/app-process.ts) with
// esbuild, as bench/bench.mjs does the benchmark, then runs the bundle with the arguments given.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '.build', `soak-${process.pid}`);
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
await build({
  entryPoints: { soak: join(here, 'soak.ts'), 'app-process': join(here, '..', '__tests__', 'helpers', 'app-process.ts') },
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
await import(pathToFileURL(join(outdir, 'soak.mjs')).href);
