// `npm start`: compiles the example app when its sources changed (example-app/build.mjs: once, however many
// starts run at once), then runs the compiled server in this process.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureExampleBuild } from './build.mjs';

let dir;
try {
  dir = await ensureExampleBuild();
} catch (error) {
  console.error(`example-app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
await import(pathToFileURL(join(dir, 'example-app/server.js')).href);
