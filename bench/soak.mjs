// `npm run soak`: bench/soak.ts, bundled with the app process it forks (see run-bundled.mjs).
import { APP_PROCESS, runBundled } from './run-bundled.mjs';

await runBundled('soak', 'soak.ts', APP_PROCESS);
