// `npm run screenshots`: bench/screenshots.ts, bundled (see run-bundled.mjs).
import { runBundled } from './run-bundled.mjs';

await runBundled('screenshots', 'screenshots.ts', {});
