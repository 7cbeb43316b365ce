// Bundles the extension, the worker and the CLI with esbuild. `vscode` and native packages stay external.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
// --only=cli builds dist/cli.js alone (the container image needs nothing else).
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const external = ['vscode', 'sharp', 'onnxruntime-node'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  logLevel: 'warning',
};

const builds = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // The engine parts the extension host calls, loaded on first use so that activation stays small.
  { entryPoints: ['src/extension/hostEngine.ts'], outfile: 'dist/hostEngine.js' },
  { entryPoints: ['src/worker/workerMain.ts'], outfile: 'dist/worker.js' },
  // Near-duplicate verification threads, started by the audit (CLI or editor worker) from beside its bundle.
  { entryPoints: ['src/worker/verifyWorker.ts'], outfile: 'dist/verifyWorker.js' },
  { entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The in-editor test suite (loaded by VS Code as extensionTestsPath); mocha comes from node_modules.
  { entryPoints: ['test/vscode/suite/index.ts'], outfile: 'out/vscode-suite/index.js', external: [...external, 'mocha'] },
  { entryPoints: ['src/demo/demoMain.ts'], outfile: 'dist/demo.js' },
  // The dashboard webview: a browser bundle (its CSS is media/dashboard.css).
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', external: [], minify: true },
];

for (const build of builds.filter((b) => only === undefined || b.outfile === `dist/${only}.js`)) {
  const options = { ...common, ...build };
  if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
  } else {
    await esbuild.build(options);
  }
}
