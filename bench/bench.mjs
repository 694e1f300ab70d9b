// `npm run bench`: bundles bench/run.ts and bench/host.ts (with lib/ and example-app/; packages stay external)
// into bench/.build with esbuild, as the multi-process token tests bundle their worker, then runs the result.
// esbuild rather than tsc: it takes a fraction of a second and does not stop on a type error in code others
// are editing. `npx tsc -p bench/tsconfig.json` type-checks the benchmark.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// A folder per run: a second run (the smoke test during `npm test`) must not rewrite the host script this one forks.
const outdir = join(here, '.build', `run-${process.pid}`);
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
await build({
  entryPoints: { run: join(here, 'run.ts'), host: join(here, 'host.ts') },
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
await import(pathToFileURL(join(outdir, 'run.mjs')).href);
