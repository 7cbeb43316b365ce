// The Shift section in a real browser, on a comparison the engine computes: 60 grey images at levels 80…139 against
// 60 at 110…169, labelled 'bright' from level 128 on, judged by mean_logits.onnx (bright when the mean pixel exceeds ½,
// so it is right on every image). By hand: brightness D = 30/60 (the reference's 30 images below 110 lie below every
// target image; above that the two ECDFs rise alike), means 109.5 → 139.5; the bright prior moves
// from 12/60 = 20% to 42/60 = 70% (+50%), and with a perfect model the accuracy to expect stays 100%.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { compareDistributions } from '../../src/engine/shift/compareDistributions';
import type { ShiftResult } from '../../src/engine/shift/shiftTypes';
import { DashboardHarness, hasChromium } from './dashboardHarness';
import { SCREENSHOTS } from './fixtureAudit';

const ROOT = path.resolve(__dirname, '../..');

async function greyDataset(folder: string, start: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const rows = ['file_name,label,sex'];
  for (let i = 0; i < 60; i++) {
    const level = start + i;
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(folder, `g${i}.png`));
    rows.push(`g${i}.png,${level >= 128 ? 'bright' : 'dark'},${i % 2 === 0 ? 'female' : 'male'}`);
  }
  await fs.writeFile(path.join(folder, 'metadata.csv'), `${rows.join('\n')}\n`);
  await fs.writeFile(path.join(folder, 'fairframe.json'), JSON.stringify({ attributes: ['sex'], thresholds: { bootstrapReplicates: 200 } }));
}

describe('dashboard Shift section in Chromium', function () {
  this.timeout(240_000);
  let dir: string;
  let result: ShiftResult;
  let harness: DashboardHarness;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-shift-view-'));
    await greyDataset(path.join(dir, 'reference'), 80);
    await greyDataset(path.join(dir, 'target'), 110);
    const model = path.join(dir, 'brightness.onnx');
    await fs.copyFile(path.join(ROOT, 'test/fixtures/inference/mean_logits.onnx'), model);
    await fs.writeFile(path.join(dir, 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
    result = await compareDistributions(path.join(dir, 'reference'), path.join(dir, 'target'), { model });
    harness = await DashboardHarness.start();
    await harness.load('vscode-dark');
  });
  after(async () => {
    await harness?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('says how to get a comparison before there is one, without any audit shown', async () => {
    await harness.show(null);
    assert.match((await harness.page.locator('[data-body="shift"]').textContent()) ?? '', /Compare Data Distributions/);
  });

  it('draws PSI per group with the KS test and mean ratio, and the class priors with intervals', async () => {
    const page = harness.page;
    assert.deepEqual(await harness.shift(result), { shown: true });
    const chart = page.locator('#shift [data-chart="shift-psi"]');
    await chart.locator('svg[aria-label="Population stability index of brightness by group"]').waitFor();
    assert.equal(await chart.locator('g.ff-bar rect').count(), 3, 'all images, sex = female, sex = male');
    const overall = chart.locator('table[data-table="shift-properties"] tr[data-group="all images"] td');
    const cells = await overall.allTextContents();
    assert.deepEqual(cells.slice(0, 3), ['60', '60', '109.50 → 139.50']);
    assert.equal(cells[4], '0.500', 'KS D = 30/60');
    const row = result.properties.find((p) => p.property === 'brightness' && p.group === null);
    assert.equal(cells[6], row?.psi.toFixed(3), 'the PSI of the result');
    const priors = page.locator('#shift table[data-table="shift-priors"] tr[data-class="bright"] td');
    const prior = await priors.allTextContents();
    assert.equal(prior[0], '20.0%');
    assert.match(prior[1], /^70\.0% \[/);
    assert.match(prior[2], /^50\.0% \[/);
    assert.equal(prior[4], 'yes');
    assert.match((await page.locator('#shift [data-figure="expected-accuracy"]').textContent()) ?? '', /expected on the target if only the priors moved 100\.0%/);
    await page.locator('#shift').screenshot({ path: path.join(SCREENSHOTS, 'shift.png') });
    assert.deepEqual(harness.pageErrors, []);
  });

  it('switches the property with its selector, and lists the priors of a group', async () => {
    const page = harness.page;
    await page.evaluate(() => {
      const control = document.querySelector('#shift-property') as HTMLElement & { value: string };
      control.value = 'width';
      control.dispatchEvent(new Event('change'));
    });
    await page.locator('#shift svg[aria-label="Population stability index of width by group"]').waitFor();
    assert.equal(await page.locator('#shift table[data-table="shift-properties"] tr[data-group="all images"] td').nth(4).textContent(), '0.000', 'every image is 16 wide');
    await page.evaluate(() => {
      const control = document.querySelector('#shift-prior-group') as HTMLElement & { value: string };
      control.value = 'sex = female';
      control.dispatchEvent(new Event('change'));
    });
    await page.locator('#shift table[data-table="shift-priors"] caption:text("sex = female")').waitFor();
    assert.deepEqual(harness.pageErrors, []);
  });
});
