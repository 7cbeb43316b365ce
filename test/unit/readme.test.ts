import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../src/engine/checks';
import { THRESHOLD_DEFAULTS } from '../../src/engine/config/configTypes';
import { TOOL_VERSION } from '../../src/engine/version';

const root = path.resolve(__dirname, '../..');

describe('documentation', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

  it('documents every rule id under its own heading', () => {
    const missing = allRules().filter((rule) => !readme.includes(`### ${rule.id}\n`)).map((rule) => rule.id);
    assert.deepEqual(missing, []);
  });

  it('documents every threshold', () => {
    const missing = Object.keys(THRESHOLD_DEFAULTS).filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });

  it('keeps the tool version equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(TOOL_VERSION, pkg.version);
  });
});
