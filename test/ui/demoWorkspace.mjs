// The workspace the UI test and the extension benchmark open: a copy of the demo (demo/data, demo/masks and the demo
// model) when `npm run demo` has generated it, else a copy of the small fixture workspace of the in-editor tests.
import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

/** True when the demo dataset and the demo model are there. */
export function hasDemo(repo) {
  return existsSync(path.join(repo, 'demo', 'data', 'metadata.csv')) && existsSync(path.join(repo, 'models', 'demo', 'lesion-cnn.onnx'));
}

/**
 * Copies a workspace into `into` (which must not exist yet) and returns what the checks need to know about it:
 * { kind: 'demo' | 'fixture', workspace, manifest, model, datasetRoot, hoverPath }.
 * The demo layout: data/ (its manifest names ../masks/…), masks/, models/lesion-cnn.onnx.
 */
export function copyWorkspace(repo, into, { preferDemo = true } = {}) {
  if (preferDemo && hasDemo(repo)) {
    mkdirSync(path.join(into, 'models'), { recursive: true });
    cpSync(path.join(repo, 'demo', 'data'), path.join(into, 'data'), { recursive: true });
    if (existsSync(path.join(repo, 'demo', 'masks'))) cpSync(path.join(repo, 'demo', 'masks'), path.join(into, 'masks'), { recursive: true });
    copyFileSync(path.join(repo, 'models', 'demo', 'lesion-cnn.onnx'), path.join(into, 'models', 'lesion-cnn.onnx'));
    return {
      kind: 'demo',
      workspace: into,
      manifest: path.join(into, 'data', 'metadata.csv'),
      model: path.join(into, 'models', 'lesion-cnn.onnx'),
      datasetRoot: path.join(into, 'data'),
      // Line 4 of the manifest: a nevus, Fitzpatrick I, in the test split (the model audit predicts the test split).
      hoverPath: 'test/img_00003.jpg',
      // What the dashboard's fairness table must fail on: accuracy by skin type.
      fairnessReport: 'fitzpatrick',
    };
  }
  cpSync(path.join(repo, 'test', 'vscode', 'workspace'), into, { recursive: true });
  return {
    kind: 'fixture',
    workspace: into,
    manifest: path.join(into, 'metadata.csv'),
    model: path.join(into, 'models', 'classifier.onnx'),
    datasetRoot: into,
    hoverPath: 'images/cat_01.png',
    fairnessReport: 'skin_tone',
  };
}
