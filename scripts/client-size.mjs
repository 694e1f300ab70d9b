// Prints the size of the browser client as an app would ship it: bundled, minified, gzipped.
// Also bundles an entry that imports only isWechatBrowser, to show that tree-shaking drops the rest.
// Usage: node scripts/client-size.mjs
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = 'lib/client/index.ts';

async function bundle(options) {
  const result = await build({
    absWorkingDir: root,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    bundle: true,
    write: false,
    logLevel: 'silent',
    ...options,
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

function report(label, { minified, gzipped }) {
  console.log(`${label}: ${minified} bytes minified, ${gzipped} bytes gzipped`);
}

const full = await bundle({ entryPoints: [entry] });
report('client', full);

const shaken = await bundle({
  stdin: {
    contents: `import { isWechatBrowser } from './${entry}';\nexport const inWechat = isWechatBrowser;\n`,
    resolveDir: root,
    sourcefile: 'only-isWechatBrowser.ts',
    loader: 'ts',
  },
});
report('isWechatBrowser only', shaken);

if (shaken.minified >= full.minified) {
  console.error('tree-shaking failed: importing isWechatBrowser alone is as large as the whole client');
  process.exitCode = 1;
}
