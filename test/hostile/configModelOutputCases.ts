// Hostile configurations, models, output folders, the explain command and Ctrl-C.
import * as path from 'node:path';
import { ScanCache, SCAN_CACHE_VERSION } from '../../src/engine/cache/scanCache';
import { audit, bigFile, fifo, imageFolder, manifestDataset, model, png, symlink, validRows, writeText, type HostileCase } from './hostileFixtures';

/** A dataset with a fairframe.json written by `add`. */
function configCase(name: string, add: (root: string, dir: string) => Promise<void>, expect: HostileCase['expect']): HostileCase {
  return {
    name,
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      await add(root, dir);
      return audit(root);
    },
    expect,
  };
}

/** A dataset and a model at `models/m.onnx` changed by `add`, audited with --model. */
function modelCase(name: string, add: (modelFile: string, dir: string) => Promise<void>, expect: HostileCase['expect'], modelPath = 'models/m.onnx'): HostileCase {
  return {
    name,
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      const file = path.join(dir, modelPath);
      await add(file, dir);
      return audit(root, '--model', file);
    },
    expect,
  };
}

const NO_STACK = /^\s+at /m;

export const configModelOutputCases: HostileCase[] = [
  configCase('fairframe.json that is a FIFO', (root) => fifo(path.join(root, 'fairframe.json')), { exit: 2, output: /fairframe\.json' is a FIFO/ }),
  configCase('fairframe.json symlinked to /dev/zero', (root) => symlink('/dev/zero', path.join(root, 'fairframe.json')), { exit: 2, output: /character device|outside its folder/, maxRssMiB: 400 }),
  configCase('fairframe.json of 5 MiB', (root) => bigFile(path.join(root, 'fairframe.json'), '{"rules":{},"x":"', 0x61, 5 * 1024 * 1024, '"}'), { exit: 2, output: /more than the limit of 4 MiB/ }),
  configCase('fairframe.json that is not JSON', (root) => writeText(path.join(root, 'fairframe.json'), '{ "rules": '), { exit: 2, output: /not valid JSON/ }),
  configCase('fairframe.json that breaks the schema', (root) => writeText(path.join(root, 'fairframe.json'), '{"thresholds":{"maxPixels":"many"},"bogus":1}'), { exit: 2, output: /not a valid Fairframe configuration/ }),
  configCase('fairframe.json with __proto__ keys', (root) => writeText(path.join(root, 'fairframe.json'), '{"__proto__":{"polluted":true},"thresholds":{"__proto__":{"x":1}}}'), { exit: [0, 2], notOutput: NO_STACK }),
  configCase('fairframe.json that is a folder', (root) => png(path.join(root, 'fairframe.json', 'x.png')), { exit: [0, 2], notOutput: NO_STACK }),
  configCase('models[].path naming /dev/zero', (root) => writeText(path.join(root, 'fairframe.json'), '{"models":[{"path":"/dev/zero"}]}'), { exit: 0, output: /\/dev\/zero' is a character device/, maxRssMiB: 500 }),
  configCase('models[].path naming a FIFO', async (root, dir) => {
    await fifo(path.join(dir, 'm.onnx'));
    await writeText(path.join(root, 'fairframe.json'), JSON.stringify({ models: [{ path: '../m.onnx' }] }));
  }, { exit: 0, output: /m\.onnx' is a FIFO/ }),
  configCase('declared dataset outside the target', async (root, dir) => {
    await imageFolder(path.join(dir, 'elsewhere'));
    await writeText(path.join(root, 'fairframe.json'), JSON.stringify({ datasets: [{ name: 'far', path: '../elsewhere' }] }));
  }, { exit: 0, output: /note: the dataset 'far' declared in fairframe\.json is at .*outside/ }),
  {
    name: 'nested dataset config symlinked outside',
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ws', 'ds'));
      await writeText(path.join(dir, 'outside.json'), '{"rules":{"FF-D001":"off"}}');
      await symlink(path.join(dir, 'outside.json'), path.join(root, 'fairframe.json'));
      return audit(path.join(dir, 'ws'));
    },
    expect: { exit: 2, output: /symlink to .*outside its folder/ },
  },
  {
    name: '--config naming a FIFO',
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      await fifo(path.join(dir, 'cfg.json'));
      return audit(root, '--config', path.join(dir, 'cfg.json'));
    },
    expect: { exit: 2, output: /FIFO/ },
  },
  modelCase('valid model (control)', (file) => model(file), { exit: 0, output: /model\s+m\.onnx on ds: 6 images, accuracy/ }),
  modelCase('--model that is a FIFO', (file) => fifo(file), { exit: 0, output: /m\.onnx' is a FIFO/ }),
  modelCase('--model naming /dev/zero', () => Promise.resolve(), { exit: 0, output: /character device/, maxRssMiB: 500 }, '../../../../dev/zero'),
  modelCase('sidecar model.json that is a FIFO', async (file) => {
    await model(file, { sidecar: false });
    await fifo(file.replace(/\.onnx$/, '.json'));
  }, { exit: 0, output: /m\.json' is a FIFO/ }),
  modelCase('sidecar symlinked to /dev/zero', async (file) => {
    await model(file, { sidecar: false });
    await symlink('/dev/zero', file.replace(/\.onnx$/, '.json'));
  }, { exit: 0, output: /outside the model's folder|character device/ }),
  modelCase('sidecar of 5 MiB', async (file) => {
    await model(file, { sidecar: false });
    await bigFile(file.replace(/\.onnx$/, '.json'), '{"labels":["cat","dog"],"x":"', 0x61, 5 * 1024 * 1024, '"}');
  }, { exit: 0, output: /more than the limit of 4 MiB/ }),
  modelCase('truncated ONNX', async (file) => {
    await model(file);
    const { promises: fs } = await import('node:fs');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  }, { exit: 0, output: /FF-M\d+/, notOutput: NO_STACK }),
  modelCase('random bytes named .onnx', (file) => writeText(file, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131) % 256))), { exit: 0, output: /FF-M\d+/, notOutput: NO_STACK }),
  modelCase('empty .onnx', (file) => writeText(file, ''), { exit: 0, output: /FF-M\d+/, notOutput: NO_STACK }),
  modelCase('folder named .onnx', (file) => png(path.join(file, 'x.png')), { exit: [0, 2], notOutput: NO_STACK }),
  modelCase('fixed 1×3×100000×100000 input', (file) => model(file, { size: 100000, batch: 1 }), { exit: 0, output: /too large to allocate/, notOutput: /Invalid typed array/, maxRssMiB: 600 }),
  modelCase('model outside the audited folder', (file) => model(file), { exit: 0, output: /note: the model .* is outside the audited folder/ }, 'elsewhere/m.onnx'),
  // Output folders.
  {
    name: '--out inside the dataset is refused',
    build: async (dir) => audit(await imageFolder(path.join(dir, 'ds')), '--out', path.join(dir, 'ds', 'reports')),
    expect: { exit: 2, output: /inside the dataset/, absent: ['ds/reports'] },
  },
  {
    name: '--out inside the dataset with --out-inside-data',
    build: async (dir) => audit(await imageFolder(path.join(dir, 'ds')), '--out', path.join(dir, 'ds', 'reports'), '--out-inside-data'),
    expect: { exit: 0, present: ['ds/reports/fairframe-report.json'] },
  },
  {
    name: '--out through a symlink into the dataset is refused',
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      await symlink(root, path.join(dir, 'link'));
      return audit(root, '--out', path.join(dir, 'link', 'reports'));
    },
    expect: { exit: 2, output: /inside the dataset/, absent: ['ds/reports'] },
  },
  ...[['/proc', '/proc/fairframe-out'], ['/sys (read-only or virtual)', '/sys/fairframe-out'], ['/dev/null', '/dev/null/out']].map(([where, out]): HostileCase => ({
    name: `--out under ${where}`,
    build: async (dir) => audit(await imageFolder(path.join(dir, 'ds')), '--out', out),
    expect: { exit: 2, output: /Cannot write into the output folder/, notOutput: NO_STACK },
  })),
  {
    name: '--out under a regular file (ENOTDIR)',
    build: async (dir) => {
      await writeText(path.join(dir, 'file'), 'x');
      return audit(await imageFolder(path.join(dir, 'ds')), '--out', path.join(dir, 'file', 'reports'));
    },
    expect: { exit: 2, output: /ENOTDIR/, notOutput: NO_STACK },
  },
  {
    name: '--cache inside the dataset is refused',
    build: async (dir) => audit(await imageFolder(path.join(dir, 'ds')), '--cache', path.join(dir, 'ds', '.cache')),
    expect: { exit: 2, output: /inside the dataset/, absent: ['ds/.cache'] },
  },
  {
    name: '--cache that is a file',
    build: async (dir) => {
      await writeText(path.join(dir, 'cachefile'), 'x');
      return audit(await imageFolder(path.join(dir, 'ds')), '--cache', path.join(dir, 'cachefile'));
    },
    expect: { exit: [0, 2], output: /cache path .* is not a folder/ },
  },
  {
    name: 'cache lines with wrong-typed facts are dropped',
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      const { promises: fs } = await import('node:fs');
      const cacheFile = ScanCache.fileFor(path.join(dir, 'cache'), root);
      const lines = [JSON.stringify({ fairframeScanCache: SCAN_CACHE_VERSION, root })];
      for (const [i, facts] of [{ height: 'x' }, { brightness: null }, { dhash: 'zz' }].entries()) {
        const file = path.join(root, 'cat', `${i}.png`);
        const stat = await fs.stat(file);
        lines.push(JSON.stringify({ p: file, s: stat.size, m: stat.mtimeMs, o: { ok: true, facts: { width: 16, height: 16, channels: 3, format: 'png', bytes: stat.size, brightness: 1, contrast: 0, saturation: 0, sharpness: 0, greyscale: false, dhash: '0000000000000000', sha256: '0'.repeat(64), exif: {}, provenance: {}, ...facts } } }));
      }
      await writeText(cacheFile, `${lines.join('\n')}\n`);
      return audit(root, '--cache', path.join(dir, 'cache'));
    },
    // The three bad lines would make three identical images (same sha256): after they are dropped no duplicate is found.
    expect: { exit: 0, notOutput: /FF-D00[45]|identical/ },
  },
  // The explain command.
  {
    name: 'explain an image that is a FIFO',
    build: async (dir) => {
      await model(path.join(dir, 'm.onnx'));
      await fifo(path.join(dir, 'fifo.jpg'));
      return ['explain', path.join(dir, 'fifo.jpg'), '--model', path.join(dir, 'm.onnx'), '--no-cache'];
    },
    expect: { exit: 2, output: /FIFO/ },
  },
  {
    name: 'explain with a model that is a FIFO',
    build: async (dir) => {
      await png(path.join(dir, 'a.png'));
      await fifo(path.join(dir, 'm.onnx'));
      return ['explain', path.join(dir, 'a.png'), '--model', path.join(dir, 'm.onnx'), '--no-cache'];
    },
    expect: { exit: 2, output: /FIFO/ },
  },
  {
    name: 'explain --out under /proc',
    build: async (dir) => {
      await png(path.join(dir, 'a.png'));
      await model(path.join(dir, 'm.onnx'));
      return ['explain', path.join(dir, 'a.png'), '--model', path.join(dir, 'm.onnx'), '--no-cache', '--method', 'occlusion', '--out', '/proc/fairframe/x.png'];
    },
    expect: { exit: 2, output: /Cannot write/, notOutput: NO_STACK },
  },
  // Ctrl-C.
  {
    name: 'Ctrl-C during a long audit ends it with 130',
    build: async (dir) => {
      const lines = ['path,label'];
      for (let i = 0; i < 400_000; i++) lines.push(`missing/${i}.png,${i % 2 ? 'cat' : 'dog'}`);
      return audit(await manifestDataset(path.join(dir, 'ds'), lines));
    },
    expect: { exit: 130, output: /cancelled/, sigintAfterMs: 1500 },
  },
  {
    name: 'Ctrl-C twice ends at once with 130',
    build: async (dir) => {
      const lines = ['path,label'];
      for (let i = 0; i < 400_000; i++) lines.push(`missing/${i}.png,${i % 2 ? 'cat' : 'dog'}`);
      return audit(await manifestDataset(path.join(dir, 'ds'), lines));
    },
    expect: { exit: 130, sigintAfterMs: 1500, sigintTwice: true },
  },
  {
    name: 'valid rows with a model and masks inside the dataset (control)',
    build: async (dir) => {
      const file = await manifestDataset(path.join(dir, 'ds'), validRows());
      await model(path.join(dir, 'ds', 'm.onnx'));
      return audit(file, '--model', path.join(dir, 'ds', 'm.onnx'));
    },
    expect: { exit: 0, output: /accuracy/ },
  },
];
