// An internal error in the model audit becomes a finding with a plain message, and keeps its stack in the result's
// diagnostics, which the CLI prints with --verbose.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { printDiagnostics } from '../../../src/cli/auditCommand';
import type { AuditResult } from '../../../src/engine/auditResult';
import { resolveConfig } from '../../../src/engine/config/config';
import { auditModel } from '../../../src/engine/modelAudit/modelAudit';
import type { Dataset, ScanOutcome } from '../../../src/engine/types';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('internal errors in the model audit', () => {
  it('keep their stack in diagnostics while the finding has a plain message', async () => {
    const dataset: Dataset = {
      name: 'tiny',
      root: '/nowhere/tiny',
      format: 'imagefolder',
      attributes: [],
      records: ['bright', 'dark'].map((label, i) => ({ id: String(i), path: `/nowhere/tiny/${label}/${i}.png`, relPath: `${label}/${i}.png`, label, attributes: {}, source: { file: `/nowhere/tiny/${label}/${i}.png` } })),
    } as unknown as Dataset;
    // A scan map that throws a plain TypeError: an internal error, not a FairframeError.
    const scans = { get: (): ScanOutcome => { throw new TypeError('scan lookup exploded'); } } as unknown as Map<string, ScanOutcome>;
    const config = resolveConfig({ models: [{ path: MODEL, labels: ['bright', 'dark'] }] }, '/nowhere/fairframe.json');
    const { audit, findings, diagnostics } = await auditModel({ file: MODEL, config: config.models[0] }, dataset, scans, config);
    assert.equal(audit.status, 'failed');
    assert.deepEqual(findings.map((f) => [f.rule, f.message]), [['FF-M001', "Model 'mean_logits.onnx' cannot be audited on dataset 'tiny': scan lookup exploded"]]);
    assert.equal(diagnostics?.length, 1);
    assert.equal(diagnostics?.[0].context, "auditing model 'mean_logits.onnx' on dataset 'tiny'");
    assert.match(diagnostics?.[0].stack ?? '', /^TypeError: scan lookup exploded\n\s+at /);
  });

  it('are printed with their stack under --verbose, and pointed to in one line without it', () => {
    const result = { diagnostics: [{ context: "auditing model 'm.onnx' on dataset 'd'", message: 'boom', stack: 'TypeError: boom\n    at somewhere (x.ts:1:1)' }] } as AuditResult;
    const verbose: string[] = [];
    printDiagnostics(result, true, (text) => verbose.push(text));
    assert.deepEqual(verbose, ["fairframe: internal error while auditing model 'm.onnx' on dataset 'd': TypeError: boom\n    at somewhere (x.ts:1:1)\n"]);
    const quiet: string[] = [];
    printDiagnostics(result, false, (text) => quiet.push(text));
    assert.equal(quiet.length, 1);
    assert.match(quiet[0], /1 internal error .*--verbose.*"diagnostics" in the JSON report/);
    const none: string[] = [];
    printDiagnostics({ diagnostics: [] } as unknown as AuditResult, true, (text) => none.push(text));
    assert.deepEqual(none, []);
  });
});
