import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
/**
 * The browser client (lib/client) as one ES module, bundled once at start-up. A real app would import
 * 'wechat-official-login/client' in its own frontend build; the example has no frontend build of its own.
 */
export async function bundleClient() {
    const root = packageRoot();
    const result = await build({
        absWorkingDir: root,
        entryPoints: [join(root, 'lib/client/index.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2020',
        minify: true,
        write: false,
        logLevel: 'silent',
    });
    return result.outputFiles[0].text;
}
/** The repository root, from the source (example-app/) or the compiled output (build/example-app/). */
function packageRoot() {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest) && existsSync(join(dir, 'lib/client/index.ts'))) {
            const { name } = JSON.parse(readFileSync(manifest, 'utf8'));
            if (name === 'wechat-official-login')
                return dir;
        }
        const parent = dirname(dir);
        if (parent === dir)
            throw new Error('example-app: cannot find the package root (lib/client/index.ts) to bundle the browser client');
        dir = parent;
    }
}
//# sourceMappingURL=client-bundle.js.map