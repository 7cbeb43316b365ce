// The model card of an audited model, after Mitchell et al. 2019, "Model Cards for Model Reporting" (FAT* '19): its nine
// sections, filled from the audit where it knows the answer and marked for a person where it does not.
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import { formatInterval, formatNumber, formatPercent } from '../modelAudit/groupFindings';
import type { ModelAudit } from '../modelAudit/modelAuditTypes';
import { TO_BE_COMPLETED, type DocumentBlock, type DocumentModel } from './documentModel';

const FAIRNESS_RULES = new Set(['FF-M010', 'FF-M011', 'FF-M012', 'FF-M013', 'FF-M014', 'FF-M015', 'FF-M016', 'FF-M030']);
const DATA_RULES_OF_CONCERN = new Set(['FF-D003', 'FF-D004', 'FF-D006', 'FF-D022', 'FF-D023', 'FF-D030', 'FF-D032']);

/** The model card of one model audit of `result`. */
export function modelCard(result: AuditResult, audit: ModelAudit): DocumentModel {
  const name = path.basename(audit.model.file);
  const dataset = result.datasets.find((d) => d.name === audit.dataset);
  const level = result.config.thresholds.confidenceLevel;
  const pct = `${Math.round(level * 100)}%`;
  const usage = audit.usage;
  const overall = audit.overall;
  const sameModel = (evidenceModel: unknown): boolean => typeof evidenceModel === 'string' && path.resolve(evidenceModel) === path.resolve(audit.model.file);
  const modelFindings = result.findings.filter((finding) => sameModel(finding.evidence.model) && (finding.dataset === undefined || finding.dataset === audit.dataset));
  const dataFindings = result.findings.filter((finding) => finding.dataset === audit.dataset && DATA_RULES_OF_CONCERN.has(finding.rule));

  const details: DocumentBlock[] = [
    { kind: 'table', head: ['Field', 'Value'], rows: [
      ['File', name],
      ['SHA-256', audit.model.sha256],
      ['Format', `ONNX, opsets ${(audit.model.opsets ?? []).map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || 'unknown'}, produced by ${audit.model.producer?.name || 'unknown'}`],
      ['Classes', usage ? `${usage.classNames.length}: ${usage.classNames.join(', ')}` : 'unknown'],
      ['Input', usage ? `${usage.inputName}: ${usage.preprocess.width}×${usage.preprocess.height}, ${usage.preprocess.channels} channel(s), ${usage.preprocess.layout}` : 'unknown'],
      ['Output', usage ? `${usage.outputName} (${usage.outputKind}, ${usage.outputKindSource})` : 'unknown'],
      ['Card generated', `${result.createdAt} by Fairframe ${result.tool.version}`],
    ] },
    { kind: 'question', question: 'Who developed the model, when, which version, and under what licence? Where can questions be sent?' },
    { kind: 'question', question: 'How was the model trained (algorithm, parameters, fairness constraints)?' },
  ];
  const intended: DocumentBlock[] = [
    { kind: 'question', question: 'Primary intended uses' },
    { kind: 'question', question: 'Primary intended users' },
    { kind: 'question', question: 'Out-of-scope uses' },
  ];
  const reports = audit.groups ?? [];
  const factors: DocumentBlock[] = reports.length > 0
    ? [{ kind: 'text', text: `The audit compared the model across ${reports.length} group definitions: ${reports.map((r) => `${r.name} (${r.groups.length} groups)`).join('; ')}. Groups with fewer than ${result.config.thresholds.minMetricGroupSize} images are shown but not ranked.` },
      { kind: 'question', question: 'Which other relevant factors (instrumentation, environment, other groups) were not audited?' }]
    : [{ kind: 'text', text: 'No sensitive attribute was available: no group was compared.' }, { kind: 'question', question: 'Relevant factors' }];
  const metrics: DocumentBlock[] = [
    { kind: 'text', text: `Accuracy, balanced accuracy, expected calibration error (15 bins), and per group accuracy, error rate, calibration, and one-vs-rest selection, true- and false-positive rates. Decision: the top-1 class. Intervals: ${pct} group-stratified bootstrap percentile intervals, ${result.config.thresholds.bootstrapReplicates} replicates, seed ${result.config.thresholds.bootstrapSeed}.` },
  ];
  const evaluation: DocumentBlock[] = dataset
    ? [{ kind: 'table', head: ['Field', 'Value'], rows: [
      ['Dataset', `${dataset.name} (${dataset.format})`],
      ['Split audited', audit.split ?? 'every image'],
      ['Images scored', String(overall?.images ?? 0)],
      ['Content hash', dataset.contentHash],
      ['Classes in the dataset', Object.entries(dataset.classes).map(([c, n]) => `${c} ${n}`).join(', ')],
    ] }, { kind: 'question', question: 'Why was this dataset chosen, and how representative is it of the intended use?' }]
    : [{ kind: 'question', question: 'Evaluation data' }];
  const training: DocumentBlock[] = [
    usage?.trainedOn ? { kind: 'text', text: `Declared as trained on the split '${usage.trainedOn}' of this dataset.` } : { kind: 'question', question: 'Training data' },
  ];
  const quantitative: DocumentBlock[] = [];
  if (overall) {
    quantitative.push({ kind: 'table', head: ['Metric', 'Value', `${pct} interval`], rows: [
      ['accuracy', formatPercent(overall.accuracy.estimate), formatInterval(overall.accuracy, formatPercent)],
      ['balanced accuracy', formatPercent(overall.balancedAccuracy.estimate), formatInterval(overall.balancedAccuracy, formatPercent)],
      ['macro F1', formatNumber(overall.macro.f1), ''],
      ['expected calibration error', formatNumber(overall.calibration.ece.estimate), formatInterval(overall.calibration.ece)],
    ] });
  }
  for (const report of reports) {
    const accuracy = report.metrics.find((m) => m.metric === 'accuracy');
    if (accuracy) {
      quantitative.push({ kind: 'text', text: `Accuracy by ${report.name}${report.attributes.length > 1 ? ' (intersectional)' : ''}:` });
      quantitative.push({ kind: 'table', head: ['Group', 'Images', 'Accuracy', `${pct} interval`, 'Note'], rows: accuracy.byGroup.map((g) => [g.group, String(g.count), formatPercent(g.estimate), formatInterval(g, formatPercent), g.small ? 'too small to rank' : '']) });
    }
    const figures = report.fairness.filter((f) => f.value !== null);
    if (figures.length > 0) {
      quantitative.push({ kind: 'table', head: ['Fairness figure', 'Class', 'Value', 'Interval of the gap', 'Threshold', 'Result'], rows: figures.map((f) => [`${f.name} by ${report.name}`, f.class ?? '', formatNumber(f.value), formatInterval(f.interval), `${f.direction === 'max' ? '≤' : '≥'} ${formatNumber(f.threshold)}`, f.passed === null ? 'undefined' : f.passed ? 'pass' : 'fail']) });
    }
  }
  const concerns = [...modelFindings.filter((f) => FAIRNESS_RULES.has(f.rule)), ...dataFindings];
  const ethical: DocumentBlock[] = [
    ...(concerns.length > 0
      ? [{ kind: 'text', text: 'From the audit\'s findings:' } as DocumentBlock, ...concerns.slice(0, 30).map((f): DocumentBlock => ({ kind: 'text', text: `${f.rule} (${f.severity}): ${f.message}` }))]
      : [{ kind: 'text', text: 'The audit raised no fairness, representation or privacy finding for this model and dataset.' } as DocumentBlock]),
    ...(concerns.length > 30 ? [{ kind: 'text', text: `${concerns.length - 30} more in the audit report.` } as DocumentBlock] : []),
    { kind: 'question', question: 'Sensitive data, human life, risks and harms, mitigations, and fraught use cases' },
  ];
  const caveats: DocumentBlock[] = [];
  for (const report of reports) {
    const small = report.groups.filter((g) => g.small).map((g) => g.group);
    if (small.length > 0) caveats.push({ kind: 'text', text: `By ${report.name}, ${small.length} group(s) are too small to rank: ${small.slice(0, 10).join(', ')}${small.length > 10 ? ', …' : ''}.` });
    if (report.oneVsRestSkipped) caveats.push({ kind: 'text', text: `By ${report.name}: ${report.oneVsRestSkipped}.` });
  }
  if (audit.labelIssues) caveats.push({ kind: 'text', text: `Confident learning estimates ${formatPercent(audit.labelIssues.estimatedNoiseRate)} of the evaluation labels to be wrong (${audit.labelIssues.flagged} images flagged): the metrics are measured against labels that are themselves noisy.` });
  if (audit.labelIssues?.onTrainingSplit) caveats.push({ kind: 'text', text: 'The audited split is the training split: the figures are optimistic.' });
  caveats.push({ kind: 'question', question: 'Further caveats and recommendations' });

  return {
    title: `Model card: ${name}`,
    after: 'Mitchell et al. 2019, "Model Cards for Model Reporting"',
    sections: [
      { heading: 'Model details', blocks: details },
      { heading: 'Intended use', blocks: intended },
      { heading: 'Factors', blocks: factors },
      { heading: 'Metrics', blocks: metrics },
      { heading: 'Evaluation data', blocks: evaluation },
      { heading: 'Training data', blocks: training },
      { heading: 'Quantitative analyses', blocks: quantitative.length > 0 ? quantitative : [{ kind: 'text', text: `Not measured: ${audit.reason ?? 'the model was not audited'}.` }] },
      { heading: 'Ethical considerations', blocks: ethical },
      { heading: 'Caveats and recommendations', blocks: caveats },
    ],
  };
}

export { TO_BE_COMPLETED };
