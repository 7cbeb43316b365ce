// The VSIX content checks on made-up listings: a good linux-x64 one passes, and each kind of leak is caught.
// Run: npx mocha test/package/vsixContents.test.mjs
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { checkModuleScopes, checkVsixEntries, markdownImages, packageOf, REQUIRED_FILES } from './vsixContents.mjs';

const GOOD = [
  'extension.vsixmanifest',
  '[Content_Types].xml',
  ...REQUIRED_FILES,
  'extension/docs/dashboard-groups.png',
  'extension/node_modules/sharp/package.json',
  'extension/node_modules/sharp/dist/index.cjs',
  'extension/node_modules/@img/colour/index.cjs',
  'extension/node_modules/detect-libc/lib/detect-libc.js',
  'extension/node_modules/semver/functions/satisfies.js',
  'extension/node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node',
  'extension/node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7',
  'extension/node_modules/@img/sharp-libvips-linux-x64/lib/glib-2.0/include/glibconfig.h',
  'extension/node_modules/onnxruntime-node/dist/binding.js',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'extension/node_modules/onnxruntime-common/dist/cjs/index.js',
];
const IMAGES = { readmeImages: ['docs/dashboard-groups.png'] };

/** The names of the checks that fail on `entries`. */
function failures(entries, options = IMAGES) {
  return checkVsixEntries(entries, options).filter((check) => !check.ok).map((check) => check.name);
}

describe('VSIX content checks', () => {
  it('pass on a linux-x64 listing with everything the extension needs', () => {
    const checks = checkVsixEntries(GOOD, IMAGES);
    assert.equal(checks.length, 8);
    assert.deepEqual(failures(GOOD), []);
  });

  it('catch the binaries and packages of other platforms', () => {
    const platformFailures = ['has no native binary for another platform', "has no file of another platform's package or folder"];
    for (const leak of [
      'extension/node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib',
      'extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
      'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1',
    ]) {
      assert.deepEqual(failures([...GOOD, leak]), platformFailures, leak);
    }
    // A musl build of sharp is also a package the extension does not use.
    assert.deepEqual(failures([...GOOD, 'extension/node_modules/@img/sharp-linuxmusl-x64/lib/sharp-linuxmusl-x64-0.35.5.node']),
      [...platformFailures, 'has only the run-time packages in node_modules']);
    // A foreign package without a binary is still caught by name and by platform.
    assert.deepEqual(failures([...GOOD, 'extension/node_modules/@img/sharp-darwin-arm64/package.json']), [
      "has no file of another platform's package or folder",
      'has only the run-time packages in node_modules',
    ]);
  });

  it('catch GPU providers, development packages, sources and source maps', () => {
    assert.deepEqual(failures([...GOOD, 'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so']), [
      'has no native binary for another platform',
      'has no GPU execution provider of onnxruntime',
    ]);
    assert.deepEqual(failures([...GOOD, 'extension/node_modules/ajv/dist/ajv.js']), ['has only the run-time packages in node_modules']);
    assert.deepEqual(failures([...GOOD, 'extension/src/extension/extension.ts', 'extension/dist/extension.js.map']), ['has no source, test, script, demo or source map']);
  });

  it('catch a missing bundle, README image or linux-x64 binary', () => {
    const without = (file) => GOOD.filter((entry) => entry !== file);
    assert.deepEqual(failures(without('extension/dist/worker.js')), ['holds the bundles, manifest, media, schema and README']);
    assert.deepEqual(failures(without('extension/docs/dashboard-groups.png')), ['holds every image the README shows']);
    const missingBinding = checkVsixEntries(without('extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'), IMAGES);
    assert.equal(missingBinding.find((check) => !check.ok)?.detail, 'missing: onnxruntime binding');
  });

  it('catch a script shipped without the package.json that makes its folder CommonJS', () => {
    // As in onnxruntime-common 1.30: "type": "module" at the top, {"type": "commonjs"} in dist/cjs.
    const source = new Set(['node_modules/onnxruntime-common/package.json', 'node_modules/onnxruntime-common/dist/cjs/package.json', 'node_modules/sharp/package.json']);
    const hasFile = (file) => source.has(file);
    const shipped = ['extension/node_modules/onnxruntime-common/package.json', 'extension/node_modules/onnxruntime-common/dist/cjs/index.js', 'extension/node_modules/sharp/package.json', 'extension/node_modules/sharp/dist/index.cjs'];
    assert.deepEqual(checkModuleScopes(shipped, hasFile), {
      name: 'ships the package.json that sets the module type of each script', ok: false, detail: 'missing: node_modules/onnxruntime-common/dist/cjs/package.json',
    });
    assert.equal(checkModuleScopes([...shipped, 'extension/node_modules/onnxruntime-common/dist/cjs/package.json'], hasFile).ok, true);
  });

  it('name the package of a node_modules entry, scoped or not', () => {
    assert.equal(packageOf('extension/node_modules/@img/colour/index.cjs'), '@img/colour');
    assert.equal(packageOf('extension/node_modules/semver/index.js'), 'semver');
    assert.equal(packageOf('extension/dist/cli.js'), undefined);
  });

  it('find the relative image paths of a README', () => {
    const markdown = '![Groups](docs/dashboard-groups.png)\n![Badge](https://example.org/b.svg)\n[link](docs/x.md)\n![t](docs/a.png "title")';
    assert.deepEqual(markdownImages(markdown), ['docs/dashboard-groups.png', 'docs/a.png']);
  });
});
