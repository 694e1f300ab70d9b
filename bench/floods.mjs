// `npm run bench:floods`: bench/floods.ts (issue 19's figures), bundled as the other bench scripts are.
import { runBundled } from './run-bundled.mjs';

await runBundled('floods', 'floods.ts', {});
