// LRP through the gradient graph on the full-size torchvision models exported by scripts/reference/fullSizeGradients.py
// into bench-data/gradient-models/: whether it runs natively, the conservation Σ R_input / logit, and its cost (the
// first call builds the graph; the second reuses it). Conservation is given for ε = 1e-6 (the default) and ε = 1e-20:
// several torchvision models have logits near 1e-10 at random initialisation, below the default ε, which then absorbs
// the relevance. Not a test: prints a Markdown table.
// Usage: npx tsx scripts/bench/lrpBench.ts [names…]
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GradientSessionCache, relevanceMap } from '../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../src/engine/model/modelTypes';

const DIR = path.resolve(__dirname, '../../bench-data/gradient-models');

const SPEC = {
  labels: [], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
  preprocess: { width: 224, height: 224, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
} as unknown as ModelSpec;

async function main(): Promise<void> {
  if (!existsSync(DIR)) throw new Error(`No models in ${DIR}: run  nice -n 10 /usr/bin/python3 scripts/reference/fullSizeGradients.py  first.`);
  const only = process.argv.slice(2);
  const names = (await fs.readdir(DIR)).filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -5)).filter((name) => only.length === 0 || only.includes(name));
  console.log('| model | LRP-ε (zB input) | class logit | conservation Σ R / logit, ε = 1e-6 | ε = 1e-20 | first call ms (builds the graph) | second call ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of names) {
    const reference = JSON.parse(await fs.readFile(path.join(DIR, `${name}.json`), 'utf8')) as { classIndex: number; input: string };
    const bytes = Buffer.from(reference.input, 'base64');
    const input = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const image = { input, pixels: new Uint8Array(3 * 224 * 224), width: 224, height: 224, channels: 3 as const };
    const cache = new GradientSessionCache(await fs.readFile(path.join(DIR, `${name}.onnx`)), SPEC);
    const options = { rule: 'epsilon' as const, classIndex: reference.classIndex, inputBounds: { low: [-1, -1, -1], high: [1, 1, 1] } };
    try {
      let start = performance.now();
      const first = await relevanceMap(cache, image, options);
      const firstMs = performance.now() - start;
      start = performance.now();
      await relevanceMap(cache, image, options);
      const secondMs = performance.now() - start;
      const tiny = await relevanceMap(cache, image, { ...options, epsilon: 1e-20 });
      console.log(`| ${name} | native | ${Number(first.params.logit).toExponential(1)} | ${Number(first.params.conservation).toFixed(3)} | ${Number(tiny.params.conservation).toFixed(3)} | ${firstMs.toFixed(0)} | ${secondMs.toFixed(0)} |`);
    } catch (error) {
      console.log(`| ${name} | fails: ${(error as Error).message.split('\n')[0]} | – | – | – | – | – |`);
    } finally {
      await cache.dispose();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
