// `npm run demo`: generates the synthetic demo dataset (once; deterministic) and audits it and the demo model with the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = path.join(root, 'demo');
const dataDir = path.join(demoDir, 'data');
const reportDir = path.join(demoDir, 'report');
const cacheDir = path.join(demoDir, '.cache');

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

if (!existsSync(path.join(demoDir, 'demo-truth.json'))) {
  console.log(`Generating the demo dataset in ${demoDir} …`);
  const status = run([path.join(root, 'dist/demo.js'), '--out', demoDir]);
  if (status !== 0) process.exit(status);
}
if (!existsSync(path.join(demoDir, 'production-truth.json'))) {
  console.log(`Generating the shifted production folder in ${path.join(demoDir, 'production')} …`);
  const status = run([path.join(root, 'dist/demo.js'), '--out', demoDir, '--production-only']);
  if (status !== 0) process.exit(status);
}
const demoModel = path.join(root, 'models/demo/lesion-cnn.onnx');
console.log(`Auditing ${dataDir} and the demo model ${path.relative(root, demoModel)} …`);
const status = run([path.join(root, 'dist/cli.js'), 'audit', dataDir, '--model', demoModel, '--out', reportDir, '--cache', cacheDir, '--export-weights', 'fitzpatrick']);
if (status !== 0 && status !== 1) process.exit(status);
console.log(`\nHas the data moved? Comparing ${path.join(demoDir, 'production')} with the test split of ${dataDir} …`);
const shiftStatus = run([path.join(root, 'dist/cli.js'), 'shift', dataDir, path.join(demoDir, 'production'), '--reference-split', 'test', '--model', demoModel, '--out', path.join(reportDir, 'shift'), '--cache', cacheDir]);
if (shiftStatus !== 0 && shiftStatus !== 1) process.exit(shiftStatus);
console.log(`\nReports: ${path.join(reportDir, 'fairframe-report.md')} (also .json and .sarif); shift: ${path.join(reportDir, 'shift', 'fairframe-shift.md')}`);
process.exit(0);
