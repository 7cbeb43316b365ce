// What a linux-x64 VSIX of Fairframe must and must not hold, checked on the list of its zip entries.
// Used by scripts/test-package.mjs on the real VSIX and by vsixContents.test.mjs on made-up listings.

/** Files the installed extension reads at run time (vsce renames README.md to readme.md). */
export const REQUIRED_FILES = [
  'extension/package.json',
  'extension/readme.md',
  'extension/dist/extension.js',
  'extension/dist/hostEngine.js',
  'extension/dist/worker.js',
  'extension/dist/cli.js',
  'extension/dist/webview.js',
  'extension/media/fairframe.svg',
  'extension/media/dashboard.css',
  'extension/schema/fairframe.schema.json',
];

/** The linux-x64 (glibc) native files sharp 0.35 and onnxruntime-node 1.30 load, one pattern each. */
export const LINUX_X64_NATIVES = [
  { name: 'sharp addon', pattern: /^extension\/node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64-[\d.]+\.node$/ },
  { name: 'libvips', pattern: /^extension\/node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so\.[\d.]+$/ },
  { name: 'onnxruntime binding', pattern: /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/onnxruntime_binding\.node$/ },
  { name: 'onnxruntime library', pattern: /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/libonnxruntime\.so\.\d+$/ },
];

/** The packages the bundles leave external, with their run-time dependencies: nothing else belongs in node_modules. */
export const RUNTIME_PACKAGES = [
  'sharp', '@img/colour', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', 'detect-libc', 'semver',
  'onnxruntime-node', 'onnxruntime-common',
];

const NATIVE_FILE = /\.(node|dll|dylib|exe)$|\.so(\.\d+)*$/;
// A platform or architecture other than linux-x64 (glibc), as a whole word of a path segment.
const FOREIGN_PLATFORM = /(^|[/\-_.])(darwin|win32|arm64|arm|armhf|armv7|linuxmusl|musl|alpine|ppc64|s390x|riscv64|wasm32|ia32|freebsd)([/\-_.]|$)/;
// onnxruntime execution providers for GPUs (and the shared library only they need).
const GPU_PROVIDER = /libonnxruntime_providers_(cuda|tensorrt|rocm|migraphx|openvino|dnnl|shared)\b/;
// Folders and files of the repository that are not part of the extension.
const DEVELOPMENT_ONLY = /^extension\/(src|test|scripts|webview|demo|bench-data|out|models|reports|\.vscode-test|\.tmp|\.git|\.ci)\/|\.map$|^extension\/(tsconfig\.json|package-lock\.json|eslint\.config\.\w+|\.mocharc\.json|\.vscodeignore)$/;

/** The package a node_modules entry belongs to ('@scope/name' or 'name'), or undefined outside node_modules. */
export function packageOf(entry) {
  const match = /^extension\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(entry);
  return match?.[1];
}

/**
 * Checks the entry names of a VSIX packaged for linux-x64; `readmeImages` are the README's relative image paths
 * (e.g. 'docs/dashboard-groups.png'). Returns one { name, ok, detail } per check.
 */
export function checkVsixEntries(entries, { readmeImages = [] } = {}) {
  const names = new Set(entries);
  const checks = [];
  const check = (name, offenders, what) => checks.push({ name, ok: offenders.length === 0, detail: offenders.length ? `${what}: ${offenders.slice(0, 8).join(', ')}${offenders.length > 8 ? `, … (${offenders.length})` : ''}` : '' });

  check('holds the bundles, manifest, media, schema and README', REQUIRED_FILES.filter((file) => !names.has(file)), 'missing');
  check('holds every image the README shows', readmeImages.map((image) => `extension/${image}`).filter((file) => !names.has(file)), 'missing');
  check('holds the linux-x64 binaries of sharp and onnxruntime-node',
    LINUX_X64_NATIVES.filter(({ pattern }) => !entries.some((entry) => pattern.test(entry))).map(({ name }) => name), 'missing');
  const natives = entries.filter((entry) => NATIVE_FILE.test(entry));
  check('has no native binary for another platform', natives.filter((entry) => !LINUX_X64_NATIVES.some(({ pattern }) => pattern.test(entry))), 'unexpected');
  check('has no file of another platform\'s package or folder', entries.filter((entry) => packageOf(entry) && FOREIGN_PLATFORM.test(entry.slice('extension/node_modules/'.length))), 'found');
  check('has no GPU execution provider of onnxruntime', entries.filter((entry) => GPU_PROVIDER.test(entry)), 'found');
  check('has only the run-time packages in node_modules',
    [...new Set(entries.map(packageOf).filter((name) => name !== undefined && !RUNTIME_PACKAGES.includes(name)))], 'unexpected');
  check('has no source, test, script, demo or source map', entries.filter((entry) => DEVELOPMENT_ONLY.test(entry)), 'found');
  return checks;
}

/**
 * Checks that each shipped script of a package comes with the package.json nearest to it in `sourceRoot` (the folder
 * that was packaged): that file decides whether a `.js` file is CommonJS or an ES module. `hasFile(relPath)` tells
 * whether a file exists under `sourceRoot`.
 */
export function checkModuleScopes(entries, hasFile) {
  const names = new Set(entries);
  const missing = new Set();
  for (const entry of entries) {
    const pkg = packageOf(entry);
    if (!pkg || !/\.js$/.test(entry)) continue;
    const packageRoot = `node_modules/${pkg}`;
    for (let dir = entry.slice('extension/'.length, entry.lastIndexOf('/')); dir.length >= packageRoot.length; dir = dir.slice(0, dir.lastIndexOf('/'))) {
      if (!hasFile(`${dir}/package.json`)) continue;
      if (!names.has(`extension/${dir}/package.json`)) missing.add(`${dir}/package.json`);
      break;
    }
  }
  const offenders = [...missing];
  return { name: 'ships the package.json that sets the module type of each script', ok: offenders.length === 0, detail: offenders.length ? `missing: ${offenders.join(', ')}` : '' };
}

/** The relative image paths (no URL scheme) in Markdown `![alt](path)` links. */
export function markdownImages(markdown) {
  return [...markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}
