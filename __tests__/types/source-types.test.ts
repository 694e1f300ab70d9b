import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// What this covers: the public API's *source* types (lib/index.ts, lib/client, lib/testing, imported by
// relative path) compile for a typical app. What it cannot see: the .d.ts files `npm pack` ships, resolved
// through package.json "exports" as a user's app resolves them; a declaration-emit problem or a wrong
// "types"/"exports" entry passes here. packed-consumer.test.ts covers that, against the packed tarball.
describe("the public API's source types", () => {
  it('compile for a typical app, with the session augmented and tokens kept out of public types', async () => {
    const result = await run(
      'node',
      [
        'node_modules/typescript/bin/tsc',
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--target', 'ES2022',
        '--module', 'NodeNext',
        '--moduleResolution', 'NodeNext',
        '--verbatimModuleSyntax',
        '--esModuleInterop',
        '--lib', 'ES2022,DOM',
        '__tests__/types/public-api-source.typecheck.ts',
      ],
      { cwd: process.cwd() },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe('');
    expect('failed' in result).toBe(false);
  }, 60_000);
});
