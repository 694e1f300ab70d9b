// The runner of the scripts that fork app processes (`npm run soak`, `npm run bench:logins`): bundles the script
// and __tests__/helpers/app-process.ts with esbuild into bench/.build/<name>-<pid>/ (packages stay external), as
// bench/bench.mjs does the benchmark, then runs the bundle with the arguments given. The script finds the bundled
// app process beside itself.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function runBundled(name, entry) {
  const outdir = join(here, '.build', `${name}-${process.pid}`);
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
  await build({
    entryPoints: { [name]: join(here, entry), 'app-process': join(here, '..', '__tests__', 'helpers', 'app-process.ts') },
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
