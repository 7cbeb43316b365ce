// Overlay PNGs of the audit's explained errors, written beside the reports (never inside a dataset).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import { Explainer } from '../explain/explainer';

/**
 * Writes `explanations/<model>-<n>.png` under `outDir` for every explained error and records the relative path in the
 * result (`errors[].overlay`). The maps come from the explanation cache when `cacheDir` is the audit's.
 */
export async function writeExplanationOverlays(result: AuditResult, outDir: string, cacheDir?: string): Promise<string[]> {
  const written: string[] = [];
  for (const audit of result.models) {
    const errors = audit.explanations?.errors ?? [];
    if (audit.status !== 'ok' || errors.length === 0) continue;
    const dataset = result.datasets.find((d) => d.name === audit.dataset);
    if (!dataset) continue;
    const explainer = await Explainer.open(audit.model.file, { config: result.config.models.find((m) => m.path === audit.model.file), datasetLabels: audit.usage?.labels, cacheDir });
    try {
      const folder = path.join(outDir, 'explanations');
      await fs.mkdir(folder, { recursive: true });
      const stem = path.basename(audit.model.file, path.extname(audit.model.file)).replace(/[^\w.-]+/g, '_');
      for (const [n, error] of errors.entries()) {
        const image = path.join(dataset.root, error.relPath);
        // The explained class is the predicted one, as in the audit, so the map comes from the cache.
        const explanation = await explainer.explain(image, { method: 'gradcam', faithfulness: true, sanity: error.sanitySpearman !== undefined });
        const file = path.join(folder, `${stem}-${String(n + 1).padStart(3, '0')}.png`);
        await fs.writeFile(file, await explainer.overlayPng(image, explanation.heatmap));
        error.overlay = path.relative(outDir, file).split(path.sep).join('/');
        written.push(file);
      }
    } finally {
      await explainer.dispose();
    }
  }
  return written;
}
