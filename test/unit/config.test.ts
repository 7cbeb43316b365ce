import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfigFile, resolveConfig, validateConfig } from '../../src/engine/config/config';
import { THRESHOLD_DEFAULTS } from '../../src/engine/config/configTypes';
import { FairframeError } from '../../src/engine/errors';

describe('config', () => {
  it('applies defaults to an empty config', () => {
    const config = resolveConfig({});
    assert.deepEqual(config.thresholds, THRESHOLD_DEFAULTS);
    assert.deepEqual(config.rules, {});
  });

  it('overrides single thresholds and keeps the rest', () => {
    const config = resolveConfig({ thresholds: { minClassCount: 5 } });
    assert.equal(config.thresholds.minClassCount, 5);
    assert.equal(config.thresholds.imbalanceRatio, THRESHOLD_DEFAULTS.imbalanceRatio);
  });

  it('rejects unknown keys and bad severities, naming them', () => {
    assert.throws(
      () => validateConfig({ thresholds: { minClasCount: 5 } }),
      (e: unknown) => FairframeError.is(e, 'bad-config') && /minClasCount/.test(e.message),
    );
    assert.throws(
      () => validateConfig({ rules: { 'FF-D001': 'fatal' } }),
      (e: unknown) => FairframeError.is(e, 'bad-config') && /rules\/FF-D001/.test(e.message),
    );
  });

  it('reports a file that is not JSON as bad-config', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-config-'));
    const file = path.join(dir, 'fairframe.json');
    await fs.writeFile(file, '{ "attributes": [ ');
    await assert.rejects(loadConfigFile(file), (e: unknown) => FairframeError.is(e, 'bad-config') && e.message.includes(file));
    await fs.writeFile(file, '\uFEFF{ "attributes": ["sex"] }');
    const config = await loadConfigFile(file);
    assert.deepEqual(config.attributes, ['sex']);
    await fs.rm(dir, { recursive: true });
  });
});
