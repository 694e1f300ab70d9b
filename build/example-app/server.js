import { createExampleApp } from './app.js';
/** `npm start`: the example app on PORT, configured only by the environment (see example-app/README.md). */
async function main() {
    const running = await createExampleApp(process.env).start();
    console.log(`listening on ${running.url}`);
    let stopping = false;
    const stop = (signal) => {
        if (stopping)
            return;
        stopping = true;
        // A hung connection or Redis must not keep a stopped server alive.
        setTimeout(() => process.exit(1), 5_000).unref();
        running.close().then(() => process.exit(0), (error) => {
            console.error(`error while stopping on ${signal}:`, error);
            process.exit(1);
        });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
}
main().catch((error) => {
    console.error(`example-app failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
});
//# sourceMappingURL=server.js.map