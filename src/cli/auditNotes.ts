// Notes the CLI prints about things that are allowed but worth a word: a model outside the audited folder, a declared
// dataset left out because it lies outside the target.
import * as path from 'node:path';
import type { AuditResult } from '../engine/auditResult';
import { resolveDeclaration } from '../engine/dataset/declaredDatasets';
import { isInside } from '../engine/dataset/walk';
import { realPathOf } from '../engine/io/outputFolder';

/** One line per oddity, without the 'note: ' prefix. */
export async function auditNotes(result: AuditResult): Promise<string[]> {
  const notes: string[] = [];
  const target = result.target;
  const rootReal = await realPathOf(result.root);
  // The target itself may be a symlink: it was named, so it is followed, and said.
  const targetReal = await realPathOf(target);
  if (targetReal !== path.resolve(target)) notes.push(`'${target}' leads through a symlink to '${targetReal}'; that is what was audited.`);
  for (const entry of result.config.datasets) {
    const declaration = await resolveDeclaration(entry, result.config);
    const relevant = isInside(target, declaration.root) || isInside(declaration.root, target);
    if (!relevant) notes.push(`the dataset '${entry.name ?? entry.path}' declared in ${path.basename(result.config.file ?? 'fairframe.json')} is at '${declaration.root}', outside '${target}'; it is not audited.`);
  }
  const seen = new Set<string>();
  for (const model of result.models) {
    const file = model.model.file;
    // A predictions file is best kept outside the dataset: no note for it.
    if (seen.has(file) || model.predictionsFile) continue;
    seen.add(file);
    if (!isInside(rootReal, await realPathOf(file))) notes.push(`the model '${file}' is outside the audited folder '${result.root}'.`);
  }
  return notes;
}
