// `npm run bench`: bench/run.ts, bundled with the host script it forks (see run-bundled.mjs).
import { runBundled } from './run-bundled.mjs';

await runBundled('run', 'run.ts', { host: 'host.ts' });
