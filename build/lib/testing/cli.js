#!/usr/bin/env node
import { runCli } from './cli-run.js';
try {
    const emulator = await runCli(process.argv.slice(2), (line) => console.log(line));
    const stop = () => void emulator.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
}
catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
}
//# sourceMappingURL=cli.js.map