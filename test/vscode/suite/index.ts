// Entry of the in-editor test suite (bundled to out/vscode-suite/index.js): VS Code loads it as
// `extensionTestsPath` and calls run(), which runs mocha inside the extension host.
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { registerExtensionTests, registerRestrictedModeTests } from './extension.test';
import { registerFeatureTests, registerFirstLookTests, registerRestrictedFeatureTests } from './features.test';
import { registerOneTruthTests, registerReloadTests } from './oneTruth.test';
import { registerPredictionsTests } from './predictions.test';
import { registerRobustnessTests } from './robustness.test';
import { registerMitigationTests } from './mitigation.test';

/** Environment variable naming the phase of a two-session pass ('reload-before', 'reload-after'); unset: the usual suite. */
export const SUITE_PHASE_ENV = 'FAIRFRAME_SUITE_PHASE';

/** Environment variable naming a tag to put before each line of output (the code-server rig sets it to tell the suite's lines from the workbench's log). */
export const SUITE_TAG_ENV = 'FAIRFRAME_SUITE_TAG';

function print(...args: unknown[]): void {
  const tag = process.env[SUITE_TAG_ENV] ?? '';
  console.log(format(...args).split('\n').map((line) => tag + line).join('\n'));
}

/** Runs every in-editor test; resolves when all pass, rejects otherwise. Ends with "N passed, N failed". */
export function run(): Promise<void> {
  Mocha.reporters.Base.consoleLog = print;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  // Install describe/it as globals, as mocha does before it loads a test file.
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  // The rig runs the suite twice: in a trusted workspace, and in a restricted one.
  // The first look comes before any command runs; the model audit and its quick fix come after the dataset tests.
  const phase = process.env[SUITE_PHASE_ENV];
  if (phase === 'reload-before' || phase === 'reload-after') {
    registerReloadTests(phase === 'reload-before' ? 'before' : 'after');
  } else if (vscode.workspace.isTrusted) {
    registerFirstLookTests();
    registerExtensionTests();
    registerFeatureTests();
    registerOneTruthTests();
    registerPredictionsTests();
    registerRobustnessTests();
    registerMitigationTests();
  } else {
    registerRestrictedFeatureTests();
    registerRestrictedModeTests();
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      print(`${passed} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} in-editor test(s) failed.`));
      else resolve();
    });
  });
}
