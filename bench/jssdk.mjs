// `npm run bench:jssdk`: bench/jssdk.ts, bundled with the app process it forks (see run-bundled.mjs).
import { APP_PROCESS, runBundled } from './run-bundled.mjs';

await runBundled('jssdk', 'jssdk.ts', APP_PROCESS);
