import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

async function listTs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTs(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

// The dependency rule (DESIGN.md): arrows point down only. Checked on the source text as well as by the lint rule.
describe('layer boundaries', () => {
  const root = path.resolve(__dirname, '../../src');
  const importRe = /(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g;

  async function importsOf(layer: string): Promise<Array<{ file: string; spec: string }>> {
    const found: Array<{ file: string; spec: string }> = [];
    for (const file of await listTs(path.join(root, layer))) {
      const text = await fs.readFile(file, 'utf8');
      for (const match of text.matchAll(importRe)) found.push({ file: path.relative(root, file), spec: match[1] });
    }
    return found;
  }

  it('the engine imports neither vscode, worker_threads nor the upper layers', async () => {
    const bad = (await importsOf('engine')).filter(({ spec }) =>
      spec === 'vscode' || /worker_threads$/.test(spec) || /\/(extension|worker|cli)(\/|$)/.test(spec));
    assert.deepEqual(bad, []);
  });

  it('only src/extension imports vscode', async () => {
    const bad = [...(await importsOf('worker')), ...(await importsOf('cli'))].filter(({ spec }) => spec === 'vscode' || /\/extension(\/|$)/.test(spec));
    assert.deepEqual(bad, []);
  });
});
