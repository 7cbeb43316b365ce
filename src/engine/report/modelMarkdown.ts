// The model sections of the Markdown report: what was run, overall metrics, fairness by group with intervals, label issues.
import * as path from 'node:path';
import type { GroupReport, ModelAudit } from '../modelAudit/modelAuditTypes';
import { formatInterval, formatNumber, formatPercent } from '../modelAudit/groupFindings';
import { formatProbability, labelIssueSentence, perImageSentence } from '../modelAudit/labelIssueFindings';
import { escapeMarkdown } from './markdownReport';
import { robustnessSection } from './robustnessMarkdown';

/** Label issues listed in the report at most (all are in the JSON). */
const MAX_LISTED_ISSUES = 25;

const LABEL_SOURCE: Record<string, string> = {
  metadata: "from the model's metadata_props",
  sidecar: 'from the sidecar file',
  config: 'from fairframe.json',
  inferred: "not declared: the dataset's labels, sorted (as ImageFolder orders them)",
  default: 'defaulted',
};

/** "1/255" for the usual scale, else the number. */
function scaleText(scale: number): string {
  const inverse = 1 / scale;
  return Math.abs(inverse - Math.round(inverse)) < 1e-6 && Math.round(inverse) > 1 ? `1/${Math.round(inverse)}` : formatNumber(scale);
}

function percentCell(value: number | null): string {
  return formatPercent(value);
}

function tensorText(tensor: { name: string; elementType: string; shape: Array<number | string | null> }): string {
  return `\`${escapeMarkdown(tensor.name)}\` ${tensor.elementType} [${tensor.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function groupTable(report: GroupReport, level: number): string[] {
  const accuracy = report.metrics.find((m) => m.metric === 'accuracy');
  const ece = report.metrics.find((m) => m.metric === 'ece');
  if (!accuracy) return [];
  const pct = `${Math.round(level * 100)}% CI`;
  const lines = [`| ${escapeMarkdown(report.name)} | Images | Accuracy | ${pct} | ECE | Note |`, '|---|---:|---:|---|---:|---|'];
  for (const group of accuracy.byGroup) {
    const calibration = ece?.byGroup.find((g) => g.group === group.group);
    lines.push(`| ${escapeMarkdown(group.group)} | ${group.count} | ${percentCell(group.estimate)} | ${formatInterval(group, formatPercent)} | ${formatNumber(calibration?.estimate ?? null)} | ${group.small ? 'too small to rank' : ''} |`);
  }
  lines.push('');
  return lines;
}

function fairnessTable(report: GroupReport): string[] {
  const rows = report.fairness.filter((figure) => figure.value !== null || figure.passed !== null);
  if (rows.length === 0) return ['No fairness figure is defined for these groups (too few images per group).', ''];
  const lines = ['| Figure | Class | Value | CI of the gap | Threshold | Result | Gap excludes 0 |', '|---|---|---:|---|---:|---|---|'];
  for (const figure of rows) {
    const result = figure.passed === null ? 'undefined' : figure.passed ? 'pass' : `**fail** (${figure.rule})`;
    const groups = figure.groups?.higher !== undefined ? ` (${escapeMarkdown(figure.groups.higher)} vs ${escapeMarkdown(figure.groups.lower ?? '')})` : '';
    lines.push(`| ${figure.name}${groups} | ${escapeMarkdown(figure.class ?? '')} | ${formatNumber(figure.value)} | ${formatInterval(figure.interval)} | ${figure.direction === 'max' ? '≤' : '≥'} ${formatNumber(figure.threshold)} | ${result} | ${figure.excludesNoGap ? 'yes' : 'no'} |`);
  }
  lines.push('');
  return lines;
}

function explanationSection(audit: ModelAudit): string[] {
  const e = audit.explanations;
  if (!e) return [];
  const lines = ['### Explanations', ''];
  const trust: string[] = [];
  if (e.faithfulness) {
    const f = e.faithfulness;
    trust.push(`mean deletion AUC ${formatNumber(f.meanDeletionAuc)} (lower is better), mean insertion AUC ${formatNumber(f.meanInsertionAuc)} (higher is better) over ${f.images} maps; a random pixel order gives ${formatNumber(f.meanRandomDeletionAuc)} and ${formatNumber(f.meanRandomInsertionAuc)}`);
  }
  if (e.sanity) trust.push(`sanity check (classifier randomised): mean Spearman ρ ${formatNumber(e.sanity.meanSpearman)} over ${e.sanity.images} maps${e.sanity.passed === false ? ' — **the maps barely depend on the learned weights**' : ''}`);
  lines.push(`Method: ${e.method}${trust.length ? `; ${trust.join('; ')}` : ''}.`, '');
  if (e.errors.length > 0) {
    lines.push('| Image | Label | Model says | Confidence | Groups | Deletion AUC | Insertion AUC | Overlay |', '|---|---|---|---:|---|---:|---:|---|');
    for (const error of e.errors) {
      const groups = error.groups.map((g) => `${g.attribute} ${g.group}`).join(', ');
      lines.push(`| \`${escapeMarkdown(error.relPath)}\` | ${escapeMarkdown(error.label)} | ${escapeMarkdown(error.predicted)} | ${formatPercent(error.confidence)} | ${escapeMarkdown(groups)} | ${formatNumber(error.deletionAuc ?? null)} | ${formatNumber(error.insertionAuc ?? null)} | ${error.overlay ? `![overlay](${encodeURI(error.overlay)})` : ''} |`);
    }
    lines.push('');
  }
  for (const report of e.maskShare) {
    lines.push(`Share of saliency inside the object mask by ${escapeMarkdown(report.attribute)}: ${report.byGroup.map((g) => `${escapeMarkdown(g.group)} ${formatPercent(g.estimate)} ${formatInterval(g, formatPercent)} (${g.images})`).join(' · ')}; largest gap ${formatNumber(report.gap.estimate)} ${formatInterval(report.gap)}.`, '');
  }
  for (const note of e.notes.slice(0, 5)) lines.push(`- ${escapeMarkdown(note)}`);
  if (e.notes.length > 0) lines.push('');
  return lines;
}

/** The Markdown section of one model audit. */
export function modelSection(audit: ModelAudit, base: string, level: number): string[] {
  const name = escapeMarkdown(path.basename(audit.model.file));
  const lines = [`## Model ${name} on ${escapeMarkdown(audit.dataset)}`, ''];
  const relative = path.relative(base, audit.model.file);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : audit.model.file;
  lines.push(`- File: \`${escapeMarkdown(shown)}\` · ${audit.model.bytes} bytes · sha256 \`${audit.model.sha256.slice(0, 16)}\``);
  if (audit.status === 'failed') {
    lines.push(`- **Not audited**: ${escapeMarkdown(audit.reason ?? 'unknown reason')}`, '');
    return lines;
  }
  const m = audit.model;
  const file = audit.predictionsFile;
  if (file) {
    // A predictions file is the model side: how it was read and matched, not a graph.
    const kind = { probabilities: 'a probability per class', logits: 'a logit per class (softmax applied)', labels: 'predicted labels only (no calibration, AUC or label issues)' }[file.scoreKind];
    lines.push(`- Predictions file (${file.format.toUpperCase()}): ${kind}; path column \`${escapeMarkdown(file.columns.path)}\`${file.columns.scores.length ? `, score columns ${file.columns.scores.map((c) => `\`${escapeMarkdown(c)}\``).join(', ')}` : file.columns.predicted ? `, label column \`${escapeMarkdown(file.columns.predicted)}\`` : ''}`);
    lines.push(`- Rows: ${file.rows} read, ${file.invalidRows} skipped as unreadable, ${file.unmatchedRows} naming no image, ${file.duplicateRows} repeated, ${file.matchedByName} matched by file name, ${file.outsideSplit} for other splits; ${file.imagesWithoutPrediction} audited images without a row; ${file.renormalisedRows} rows renormalised`);
    lines.push('- Explanations, embedding duplicates and robustness need the model and are not computed.');
    if (audit.split || audit.inference) lines.push(`- Audited: ${audit.split ? `split \`${escapeMarkdown(audit.split)}\`` : 'every image'}${audit.inference ? `, ${audit.inference.records} images; left out: ${audit.inference.excludedUnknownLabel} with labels the file has no score for` : ''}`);
    lines.push('');
    return renderModelBody(lines, audit, level);
  }
  lines.push(`- ONNX IR ${m.irVersion}, opset ${m.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}, producer ${escapeMarkdown(`${m.producer.name} ${m.producer.version}`.trim() || 'unknown')}, ${m.parameterCount.toLocaleString('en-US')} parameters, ${m.nodeCount} nodes`);
  lines.push(`- Inputs: ${m.inputs.map(tensorText).join('; ')} · outputs: ${m.outputs.map(tensorText).join('; ')}`);
  const usage = audit.usage;
  if (usage) {
    const p = usage.preprocess;
    lines.push(`- Preprocessing: ${p.width}×${p.height} ${p.resize}, ${p.layout}, ${p.channels === 1 ? 'greyscale' : p.channelOrder}, ×${scaleText(p.scale)}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}] (${usage.sources.preprocess === 'default' ? 'partly assumed: see FF-M003' : 'declared'})`);
    lines.push(`- Output \`${escapeMarkdown(usage.outputName)}\` read as ${usage.outputKind} (${usage.outputKindSource}${usage.outputKind === 'logits' ? ', softmax applied' : ''}); labels ${LABEL_SOURCE[usage.sources.labels ?? ''] ?? 'of unknown origin'}: ${usage.classNames.map((c) => `\`${escapeMarkdown(c)}\``).join(', ')}`);
    if (usage.features) lines.push(`- Embedding: \`${escapeMarkdown(usage.features.name)}\` (${escapeMarkdown(usage.features.reason)})`);
  }
  const inf = audit.inference;
  if (inf) {
    lines.push(`- Audited: ${audit.split ? `split \`${escapeMarkdown(audit.split)}\`` : 'every image'}, ${inf.records} images; run ${inf.inferred}, from cache ${inf.cacheHits}, failed ${inf.failed}; left out: ${inf.excludedUnknownLabel} with labels the model does not know, ${inf.excludedUnreadable} unreadable · batch ${inf.batchSize}${inf.fellBackToBatch1 ? ' (batched runs failed: fell back to 1)' : ''} · ${(inf.durationMs / 1000).toFixed(1)} s`);
  }
  lines.push('');
  return renderModelBody(lines, audit, level);
}

/** The measured part of a model section (overall, groups, label issues, explanations), after its header lines. */
function renderModelBody(lines: string[], audit: ModelAudit, level: number): string[] {
  const o = audit.overall;
  if (o) {
    const pct = `${Math.round(level * 100)}%`;
    lines.push('### Overall', '', '| Metric | Value | ' + pct + ' CI |', '|---|---:|---|');
    lines.push(`| Accuracy | ${formatPercent(o.accuracy.estimate)} | ${formatInterval(o.accuracy, formatPercent)} |`);
    lines.push(`| Balanced accuracy | ${formatPercent(o.balancedAccuracy.estimate)} | ${formatInterval(o.balancedAccuracy, formatPercent)} |`);
    for (const [k, v] of Object.entries(o.topK)) lines.push(`| Top-${k.slice(3)} accuracy | ${formatPercent(v)} | |`);
    lines.push(`| Macro F1 | ${formatNumber(o.macro.f1)} | |`, `| Weighted F1 | ${formatNumber(o.weighted.f1)} | |`, `| Macro one-vs-rest AUC | ${formatNumber(o.macroAuc)} | |`);
    lines.push(`| Log loss | ${formatNumber(o.logLoss)} | |`, `| Expected calibration error (15 bins) | ${formatNumber(o.calibration.ece.estimate)} | ${formatInterval(o.calibration.ece)} |`, '');
    lines.push('| Class | Precision | Recall | F1 | AUC | Support | Predicted |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const c of o.perClass) lines.push(`| ${escapeMarkdown(c.class)} | ${formatNumber(c.precision)} | ${formatNumber(c.recall)} | ${formatNumber(c.f1)} | ${formatNumber(c.auc)} | ${c.support} | ${c.predicted} |`);
    lines.push('', '**Confusion matrix** (rows: label, columns: prediction)', '');
    const names = audit.usage?.classNames ?? o.perClass.map((c) => c.class);
    lines.push(`| | ${names.map(escapeMarkdown).join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
    o.confusionMatrix.forEach((row, i) => lines.push(`| ${escapeMarkdown(names[i])} | ${row.join(' | ')} |`));
    lines.push('');
  }
  for (const report of audit.groups ?? []) {
    lines.push(`### By ${escapeMarkdown(report.name)}`, '', ...groupTable(report, level), ...fairnessTable(report));
    if (report.oneVsRestSkipped) lines.push(`Per-class figures not computed: ${escapeMarkdown(report.oneVsRestSkipped)}.`, '');
  }
  lines.push(...robustnessSection(audit, level));
  lines.push(...explanationSection(audit));
  if (audit.labelIssues) {
    const summary = audit.labelIssues;
    const issues = summary.issues;
    lines.push('### Likely label errors', '', `${labelIssueSentence(summary, 'the audited split')} ${perImageSentence(summary)} Ranked by ${summary.rankedBy}, ${escapeMarkdown(summary.method)}${summary.onTrainingSplit ? ' (**on the training split**: not out-of-sample)' : ''}.`, '');
    if (issues.length > 0) {
      lines.push('| Rank | Image | Label | Model says | P(label) | Reported |', '|---:|---|---|---|---:|---|');
      for (const issue of issues.slice(0, MAX_LISTED_ISSUES)) {
        const reported = issue.rank <= summary.perImage.count ? `FF-M020 (${summary.perImage.severity})` : 'list only';
        lines.push(`| ${issue.rank} | \`${escapeMarkdown(issue.relPath)}\` | ${escapeMarkdown(issue.givenLabel)} | ${escapeMarkdown(issue.suggestedLabel)} | ${formatProbability(issue.selfConfidence)} | ${reported} |`);
      }
      if (issues.length > MAX_LISTED_ISSUES) lines.push(`| | … ${issues.length - MAX_LISTED_ISSUES} more in the JSON report | | | | |`);
      lines.push('');
    }
  }
  return lines;
}
