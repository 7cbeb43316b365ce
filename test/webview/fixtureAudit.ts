// A small dataset audited by the real engine with a model whose every answer is known, with hostile file names,
// labels and attribute values, so the dashboard's escaping is tested on what the engine really emits.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../src/engine/audit';
import type { AuditResult } from '../../src/engine/auditResult';
import type { RobustnessMode } from '../../src/engine/robustness/robustnessTypes';
import { DashboardHarness } from './dashboardHarness';

/** File names that would run script if they were ever parsed as markup. */
export const HOSTILE_FILES = ['<img src=x onerror=window.__pwned=1>.png', '"><svg onload=window.__pwned=2>.png'];
/** The second site's value: markup that would close an attribute and open a script. */
export const HOSTILE_SITE = '"><script>window.__pwned=3</script>';

/** The audited fixture: where it lives and the engine's result. */
export interface FixtureAudit {
  dir: string;
  data: string;
  result: AuditResult;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * 80 solid 16×16 images: even i bright (230), odd i dark (20); i < 40 in site 'north', the rest in HOSTILE_SITE.
 * In the second site 16 dark images (i = 41, 43, …, 71) are labelled 'bright'. mean_logits.onnx calls every image
 * by its brightness, so: accuracy north 40/40, second site 24/40 (difference 0.4); confusion matrix
 * [[40, 16], [0, 24]] (rows true bright, dark); the 16 mislabelled images are the label issues.
 */
export async function auditFixture(options: { robustness?: RobustnessMode } = {}): Promise<FixtureAudit> {
  const root = path.resolve(__dirname, '../..');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-dashboard-'));
  const data = path.join(dir, 'data');
  await fs.mkdir(data);
  const rows = ['file_name,label,split,site,sex'];
  for (let i = 0; i < 80; i++) {
    const bright = i % 2 === 0;
    const site = i < 40 ? 'north' : HOSTILE_SITE;
    const label = bright ? 'bright' : i >= 40 && i < 72 ? 'bright' : 'dark';
    const name = i === 41 ? HOSTILE_FILES[0] : i === 43 ? HOSTILE_FILES[1] : `img${i}.png`;
    const level = bright ? 230 : 20;
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(data, name));
    rows.push([name, label, 'test', site, i % 4 < 2 ? 'female' : 'male'].map(csvField).join(','));
  }
  await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
  await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['site', 'sex'], thresholds: { minMetricGroupSize: 10, minConditionCount: 1, bootstrapReplicates: 200 } }));
  const model = path.join(dir, 'models', 'brightness.onnx');
  await fs.mkdir(path.dirname(model));
  await fs.copyFile(path.join(root, 'test/fixtures/inference/mean_logits.onnx'), model);
  await fs.writeFile(path.join(dir, 'models', 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
  const result = await auditPath(data, { models: [model], ...options });
  return { dir, data, result };
}

/** Where the browser suites save their screenshots (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, '../../.tmp/screenshots');

/** What every browser suite starts from: the bundles built, the fixture audited, and the dashboard page served on it. */
export async function openFixtureDashboard(options: { robustness?: RobustnessMode } = {}): Promise<{ fixture: FixtureAudit; harness: DashboardHarness }> {
  const root = path.resolve(__dirname, '../..');
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  const fixture = await auditFixture(options);
  const dataset = fixture.result.datasets[0];
  return { fixture, harness: await DashboardHarness.start({ [dataset.name]: dataset.root }) };
}
