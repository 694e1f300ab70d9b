// `npm run bench:logins`: bench/concurrent-logins.ts, bundled with the app process it forks (see run-bundled.mjs).
import { runBundled } from './run-bundled.mjs';

await runBundled('logins', 'concurrent-logins.ts');
