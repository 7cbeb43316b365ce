// The datasheet skeleton of an audited dataset, after Gebru et al. 2021, "Datasheets for Datasets" (CACM 64(12)): its
// seven sections and their questions, answered from the audit where it knows and marked for a person where it does not.
import type { AuditResult, DatasetAudit } from '../auditResult';
import type { DocumentBlock, DocumentModel } from './documentModel';

/** Findings of a dataset by rule id. */
function count(result: AuditResult, dataset: string, rules: readonly string[]): number {
  return result.findings.filter((finding) => finding.dataset === dataset && rules.includes(finding.rule)).length;
}

const ask = (question: string, answer?: string): DocumentBlock => ({ kind: 'question', question, answer });

/** The datasheet of one dataset of `result`. */
export function datasheet(result: AuditResult, dataset: DatasetAudit): DocumentModel {
  const classes = Object.entries(dataset.classes).sort((a, b) => b[1] - a[1]);
  const splits = Object.entries(dataset.splits);
  const modelAudits = result.models.filter((model) => model.dataset === dataset.name && model.labelIssues);
  const duplicates = count(result, dataset.name, ['FF-D020', 'FF-D021']);
  const conflicting = count(result, dataset.name, ['FF-D022']);
  const leaks = count(result, dataset.name, ['FF-D023']);
  const unreadable = count(result, dataset.name, ['FF-D010', 'FF-D011', 'FF-D012', 'FF-D013']);
  const gps = count(result, dataset.name, ['FF-D030']);
  const serials = count(result, dataset.name, ['FF-D031']);
  const generated = count(result, dataset.name, ['FF-D032']);
  const unknownAttribute = result.findings.filter((f) => f.dataset === dataset.name && f.rule === 'FF-D004').map((f) => f.message);
  const scanned = dataset.scan.scanned > 0;

  const composition: DocumentBlock[] = [
    ask('What do the instances represent?', `Images, each with one class label${dataset.attributes.length > 0 ? ` and the attributes ${dataset.attributes.map((a) => a.name).join(', ')}` : ''}.`),
    ask('How many instances are there in total?', `${dataset.images} images (${dataset.format}${dataset.manifest ? `, manifest ${dataset.manifest}` : ''}).`),
    ask('Does the dataset contain all possible instances or is it a sample? If a sample, how was it drawn and is it representative?'),
    ask('What data does each instance consist of? Is there a label or target associated with each instance?', `An image file and a label among ${classes.length} classes: ${classes.map(([c, n]) => `${c} (${n})`).join(', ')}.`),
    ask('Is any information missing from individual instances?', unknownAttribute.length > 0 ? unknownAttribute.join(' ') : dataset.attributes.length > 0 ? 'No sensitive attribute has more unknown values than the audit\'s threshold.' : undefined),
    ask('Are there recommended data splits?', splits.length > 0 ? `The dataset carries splits: ${splits.map(([s, n]) => `${s} (${n})`).join(', ')}.${leaks > 0 ? ` ${leaks} finding(s) report identical or near-identical images across splits.` : ''}` : 'The dataset carries no split column or split folders.'),
    ask('Are there any errors, sources of noise, or redundancies in the dataset?', [
      scanned ? `${duplicates} duplicate finding(s) (identical bytes or verified near duplicates), ${conflicting} with conflicting labels; ${unreadable} unreadable or missing file finding(s).` : 'Images were not decoded in this audit (restricted mode): duplicates and unreadable files were not checked.',
      ...modelAudits.map((m) => `Confident learning with ${m.model.file.split(/[\\/]/).pop()} estimates ${((m.labelIssues?.estimatedNoiseRate ?? 0) * 100).toFixed(1)}% label noise and flags ${m.labelIssues?.flagged} images.`),
    ].join(' ')),
    ask('Is the dataset self-contained, or does it link to or otherwise rely on external resources?'),
    ask('Does the dataset contain data that might be considered confidential?'),
    ask('Does the dataset identify any subpopulations (for example, by age, gender)? How are they distributed?', dataset.attributes.length > 0
      ? dataset.attributes.map((a) => `${a.name}${a.origin === 'guessed' ? ' (guessed from the column name)' : ''}: ${Object.entries(a.values).map(([v, n]) => `${v} ${n}`).join(', ')}`).join('. ')
      : 'No sensitive attribute column was declared or recognised.'),
    ask('Is it possible to identify individuals, directly or indirectly, from the dataset?', scanned ? `${gps} image(s) carry GPS coordinates and ${serials} device serial numbers in their EXIF metadata. Whether faces or other identifying content appear is not checked.` : undefined),
    ask('Does the dataset contain synthetic or generated data?', scanned ? (generated > 0 ? `${generated} finding(s) of images whose provenance metadata marks them as AI-generated.` : 'No image carries provenance metadata marking it AI-generated (absence of the mark does not prove an image is not generated).') : undefined),
  ];

  return {
    title: `Datasheet: ${dataset.name}`,
    after: 'Gebru et al. 2021, "Datasheets for Datasets"',
    sections: [
      { heading: 'Motivation', blocks: [ask('For what purpose was the dataset created?'), ask('Who created the dataset, on behalf of which entity, and who funded it?')] },
      { heading: 'Composition', blocks: composition },
      { heading: 'Collection process', blocks: [ask('How was the data associated with each instance acquired?'), ask('Over what timeframe was the data collected?'), ask('Were the individuals concerned notified and did they consent? Was an ethical review conducted?')] },
      { heading: 'Preprocessing, cleaning, labeling', blocks: [ask('Was any preprocessing, cleaning or labeling done? By whom, and with what instructions?'), ask('Was the raw data saved in addition to the processed data?')] },
      { heading: 'Uses', blocks: [ask('Has the dataset been used for any tasks already?', modelAudits.length > 0 || result.models.some((m) => m.dataset === dataset.name) ? `Audited with the model(s) ${[...new Set(result.models.filter((m) => m.dataset === dataset.name).map((m) => m.model.file.split(/[\\/]/).pop()))].join(', ')}.` : undefined), ask('Are there tasks for which the dataset should not be used?'), ask('Is there anything about the composition or collection that might affect future uses (for example, unfair treatment of individuals or groups)?')] },
      { heading: 'Distribution', blocks: [ask('How will the dataset be distributed, and under what licence or terms of use?')] },
      { heading: 'Maintenance', blocks: [ask('Who maintains the dataset, and how can they be contacted?'), ask('Will the dataset be updated? How will errors be reported and corrected?'), ask('Identifying this version', `Content hash ${dataset.contentHash} (over every image's relative path, label and SHA-256), as audited on ${result.createdAt}.`)] },
    ],
  };
}
