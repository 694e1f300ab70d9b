// `npm run bench:logins`: bench/concurrent-logins.ts, bundled with the app process it forks (see run-bundled.mjs).
import { APP_PROCESS, runBundled } from './run-bundled.mjs';

await runBundled('logins', 'concurrent-logins.ts', APP_PROCESS);
