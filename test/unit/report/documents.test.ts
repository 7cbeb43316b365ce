// The model card (Mitchell et al. 2019) and the datasheet (Gebru et al. 2021) of a real audit: a tiny model whose every
// answer is known, on 80 images in two sites, 16 of whose labels are wrong in the south.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import { datasheetFiles, modelCardFiles } from '../../../src/engine/report/documentFiles';
import { TO_BE_COMPLETED } from '../../../src/engine/report/documentModel';
import { renderHtmlReport } from '../../../src/engine/report/htmlReport';

const root = path.resolve(__dirname, '../../..');

describe('model card and datasheet', function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-documents-'));
    const data = path.join(dir, 'data');
    await fs.mkdir(data);
    const rows = ['file_name,label,split,site'];
    for (let i = 0; i < 80; i++) {
      const bright = i % 2 === 0;
      const site = i < 40 ? 'north' : 'south';
      const label = bright ? 'bright' : site === 'south' && i < 72 ? 'bright' : 'dark';
      const level = bright ? 230 : 20;
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(data, `img${i}.png`));
      rows.push(`img${i}.png,${label},test,${site}`);
    }
    await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['site'], thresholds: { minMetricGroupSize: 10, bootstrapReplicates: 200, explainErrorsPerGroup: 0, saliencyImagesPerCell: 0 } }));
    const model = path.join(dir, 'models', 'brightness.onnx');
    await fs.mkdir(path.dirname(model));
    await fs.copyFile(path.join(root, 'test/fixtures/inference/mean_logits.onnx'), model);
    await fs.writeFile(path.join(dir, 'models', 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
    result = await auditPath(data, { models: [model] });
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the nine sections of a model card, the figures by group from the audit, and marks what a person must add', () => {
    const files = modelCardFiles(result);
    assert.deepEqual(files.map((f) => f.name), ['model-card-brightness.md', 'model-card-brightness.html']);
    // Markdown escapes ( ) [ ] _ * with backslashes; the assertions read the text unescaped.
    const markdown = files[0].content.replace(/\\([()[\]_*])/g, '$1');
    const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Model details', 'Intended use', 'Factors', 'Metrics', 'Evaluation data', 'Training data', 'Quantitative analyses', 'Ethical considerations', 'Caveats and recommendations']);
    // By hand: the model is right on every image whose label is true; north 40/40, south 24/40, overall 64/80.
    assert.match(markdown, /\| accuracy \| 80\.0% \|/);
    assert.match(markdown, /\| north \| 40 \| 100\.0% \|/);
    assert.match(markdown, /\| south \| 40 \| 60\.0% \|/);
    assert.match(markdown, /\| accuracy difference by site \| {2}\| 0\.4 \|.*\| ≤ 0\.05 \| fail \|/);
    // Ethical considerations come from the findings: the accuracy gap is named.
    const ethical = markdown.slice(markdown.indexOf('## Ethical considerations'), markdown.indexOf('## Caveats'));
    assert.match(ethical, /FF-M010 \(warning\): .*site/);
    // Intended use is the person's to write: every question there is marked.
    const intended = markdown.slice(markdown.indexOf('## Intended use'), markdown.indexOf('## Factors'));
    assert.equal(intended.split(TO_BE_COMPLETED).length - 1, 3);
    // The caveat on label noise: confident learning flagged the 16 wrong labels.
    assert.match(markdown, /\(16 images flagged\)/);
    assert.match(markdown, new RegExp(result.models[0].model.sha256));
  });

  it('writes HTML documents with a CSP whose hash is that of their one style, and no script', () => {
    for (const file of [...modelCardFiles(result), ...datasheetFiles(result)].filter((f) => f.name.endsWith('.html'))) {
      const style = file.content.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
      const csp = file.content.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
      assert.equal(csp.replace(/&#39;/g, "'"), `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; base-uri 'none'; form-action 'none'`, file.name);
      assert.doesNotMatch(file.content, /<script/i);
    }
    const report = renderHtmlReport(result);
    const style = report.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    assert.match(report, new RegExp(`style-src &#39;sha256-${createHash('sha256').update(style).digest('base64').replace(/[+/]/g, '\\$&')}&#39;`));
  });

  it('fills the datasheet where the audit knows and marks the rest for a person', () => {
    const [markdown] = datasheetFiles(result).map((f) => f.content.replace(/\\([()[\]_*])/g, '$1'));
    const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Motivation', 'Composition', 'Collection process', 'Preprocessing, cleaning, labeling', 'Uses', 'Distribution', 'Maintenance']);
    // By hand: 80 images; 40 bright + 16 mislabelled dark = 56 'bright', 24 'dark'; 40 per site; split test 80.
    assert.match(markdown, /80 images \(hf-imagefolder/);
    assert.match(markdown, /bright \(56\), dark \(24\)/);
    assert.match(markdown, /site: north 40, south 40/);
    assert.match(markdown, /test \(80\)/);
    assert.match(markdown, /flags 16 images/);
    assert.match(markdown, new RegExp(result.datasets[0].contentHash));
    const motivation = markdown.slice(markdown.indexOf('## Motivation'), markdown.indexOf('## Composition'));
    assert.equal(motivation.split(TO_BE_COMPLETED).length - 1, 2);
  });
});
