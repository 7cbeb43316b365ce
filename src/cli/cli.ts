// The command-line front end: `fairframe audit <path>` over the same engine the extension uses.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { errorMessageOf, runAuditCommand, type AuditCommandOptions } from './auditCommand';
import { escapeControl } from '../engine/report/displayText';
import { runMergeCommand, type MergeCommandOptions } from './mergeCommand';
import { runExplainCommand, type ExplainCommandOptions } from './explainCommand';
import { runMitigateResample, runMitigateThresholds, type MitigateCommandOptions, type ResampleCommandOptions } from './mitigateCommand';
import { EXPLAIN_METHODS } from '../engine/explain/explainer';
import { TOOL_VERSION } from '../engine/version';
import { REPORT_FORMATS } from '../engine/report/reportFiles';
import { allRules } from '../engine/checks';
import { runShiftCommand, type ShiftCommandOptions } from './shiftCommand';
import { runDiffCommand, runRunsCommand, type DiffCommandOptions } from './runsCommand';

const FORMATS = REPORT_FORMATS;

function parseFormats(value: string): string[] {
  const formats = value.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown format ${unknown.map((f) => `'${f}'`).join(', ')}; choose from ${FORMATS.join(', ')}.`);
  return formats;
}

/** Builds the command tree; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('fairframe')
    .description('Audit image-classification datasets and ONNX image classifiers for bias, fairness, data quality and transparency.')
    .version(TOOL_VERSION)
    .showHelpAfterError()
    // Usage errors (an unknown option, an invalid choice, a missing argument) are bad input: exit code 2, as the README
    // says, not commander's 1, which means "a finding at or above --fail-on". Subcommands inherit this.
    .exitOverride();

  program
    .command('audit')
    .description('Audit the dataset(s) at <path> (a dataset folder, a manifest file, or a folder holding several datasets), and with --model the model on them.')
    .argument('<path>', 'dataset folder, manifest (CSV/TSV/JSONL), workspace folder, or s3://bucket/prefix (mirrored into the cache)')
    .option('-c, --config <file>', 'fairframe.json to use (default: the one in <path>, if any)')
    .option('-f, --format <list>', `report formats, comma-separated: ${FORMATS.join(', ')} (card: a model card per model, datasheet: a datasheet per dataset, each in Markdown and HTML; default: json, md, sarif, html)`, parseFormats)
    .option('-o, --out <dir>', 'folder to write the reports into (created if needed)')
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding of this severity (or worse) exists').choices(['error', 'warning', 'info']))
    .option('--cache <dir>', 'scan cache folder (default: $XDG_CACHE_HOME/fairframe or ~/.cache/fairframe)')
    .option('--no-cache', 'do not read or write the scan cache')
    .option('--no-decode', 'run only the checks that decode no image')
    .option('--export-weights <attributes>', 'write Kamiran–Calders reweighing weights for these attributes (comma-separated) into --out')
    .option('--dataset <name...>', 'only audit the datasets with these names')
    .option('-m, --model <file...>', 'ONNX model(s) to audit on the dataset, or auto for every .onnx file under <path> (also: models in fairframe.json)')
    .option('-p, --predictions <file...>', 'predictions file(s) (CSV, TSV or JSONL: image path, and a predicted label, a probability per class or a logit per class) to audit as the model side, when the model cannot be run')
    .option('--split <name>', "split to audit the model on (default: test, else validation/val, else every image; 'all' for every image)")
    .addOption(new Option('--robustness [kind]', 'also measure the model\'s accuracy by group under common corruptions, adversarial attacks (FGSM, PGD), or all').choices(['corruptions', 'attacks', 'all']).preset('all'))
    .option('--quiet', 'print no progress')
    .option('--verbose', 'print the stack trace of any internal error on standard error')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
    .option('--runs <dir>', 'run store to record the audit in (default: $FAIRFRAME_RUNS, else .fairframe/runs in the current folder)')
    .option('--no-record', 'do not record the audit in the run store')
    .option('--run-label <text>', 'a note stored with the recorded run (e.g. "threshold-adjusted")')
    .option('--shard <K/N|auto>', 'audit only shard K (from 0) of N, chosen by each image\'s SHA-256 mod N; auto: JOB_COMPLETION_INDEX/JOB_COMPLETIONS (needs --partial)')
    .option('--partial <dir>', 'write the shard\'s partial result into this folder (or s3://bucket/prefix), for fairframe merge')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// locations (MinIO, GCS interoperability; default AWS_ENDPOINT_URL)')
    .option('--s3-path-style', 'address S3 buckets by path (https://host/bucket/key), as MinIO needs')
    .action(async (target: string, options: AuditCommandOptions) => {
      process.exitCode = await runAuditCommand(target, options);
    });

  program
    .command('merge')
    .description('Merge the partial results of every shard (fairframe audit --shard K/N --partial DIR) into the report of the whole data, as one audit would give it.')
    .argument('<partials...>', 'partial result files, or folders (or s3://bucket/prefix) holding fairframe-partial-K-of-N.jsonl.gz files')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// locations (MinIO, GCS interoperability; default AWS_ENDPOINT_URL)')
    .option('--s3-path-style', 'address S3 buckets by path (https://host/bucket/key), as MinIO needs')
    .option('-f, --format <list>', `report formats, comma-separated: ${FORMATS.join(', ')}`, parseFormats)
    .option('-o, --out <dir>', 'folder to write the reports into (created if needed)')
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding of this severity (or worse) exists').choices(['error', 'warning', 'info']))
    .option('--cache <dir>', 'explanation cache folder (default: $XDG_CACHE_HOME/fairframe or ~/.cache/fairframe)')
    .option('--no-cache', 'do not read or write the cache')
    .option('--quiet', 'print no progress')
    .option('--verbose', 'print the stack trace of any internal error on standard error')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
    .action(async (partials: string[], options: MergeCommandOptions) => {
      process.exitCode = await runMergeCommand(partials, options);
    });

  program
    .command('explain')
    .description('Explain the model\'s decision on one image: an attribution map, its faithfulness, and an overlay PNG.')
    .argument('<image>', 'image file')
    .requiredOption('-m, --model <file>', 'ONNX model')
    .addOption(new Option('--method <name>', 'explanation method').choices([...EXPLAIN_METHODS]).default('gradcam'))
    .option('--class <name>', 'class to explain (name or index; default: the predicted class)')
    .option('-o, --out <file>', 'write the overlay PNG here')
    .option('-c, --config <file>', 'fairframe.json with the model\'s labels and preprocessing (default: the nearest one at or above the model\'s folder that declares it)')
    .option('--cache <dir>', 'explanation cache folder (default: $XDG_CACHE_HOME/fairframe or ~/.cache/fairframe)')
    .option('--no-cache', 'do not read or write the explanation cache')
    .option('--seed <n>', 'seed of the sampling methods (rise, lime, shap)')
    .option('--sanity', 'also run the model-randomisation sanity check')
    .option('--counterfactual', 'also find the smallest set of regions whose removal flips the prediction')
    .option('--json', 'print the explanation as JSON (map included)')
    .action(async (image: string, options: ExplainCommandOptions) => {
      process.exitCode = await runExplainCommand(image, options);
    });

  const mitigate = program.command('mitigate').description('Mitigate a measured gap and measure the effect.');
  mitigate
    .command('thresholds')
    .description("Fit per-group decision thresholds (Hardt, Price & Srebro 2016, as fairlearn's ThresholdOptimizer) for one class on one split, evaluate them on another, and write the thresholds, the before/after table with intervals, and the mitigated predictions as a predictions CSV.")
    .argument('<path>', 'dataset folder or manifest')
    .option('-m, --model <file>', 'ONNX model whose scores are thresholded')
    .option('-p, --predictions <file>', 'predictions file (probabilities or logits per class) whose scores are thresholded')
    .requiredOption('-a, --attribute <name>', 'sensitive attribute whose groups get their own thresholds')
    .option('--positive <class>', 'class to threshold against the rest (default: the second class of a two-class model)')
    .addOption(new Option('--constraint <name>', 'parity to enforce').choices(['demographic_parity', 'equal_opportunity', 'equalized_odds']).default('equalized_odds'))
    .addOption(new Option('--objective <name>', 'what the common operating point maximises').choices(['accuracy_score', 'balanced_accuracy_score']).default('accuracy_score'))
    .option('--fit-split <name>', 'split to fit the thresholds on (default: a validation split, else half of the evaluation split)')
    .option('--eval-split <name>', "split to evaluate on (default: 'test' if present)")
    .option('--seed <n>', 'seed of the randomised decisions and the bootstrap')
    .option('--replicates <n>', 'bootstrap replicates of the intervals (default 1000)')
    .option('-c, --config <file>', 'fairframe.json to use')
    .option('--cache <dir>', 'cache folder')
    .option('--no-cache', 'do not read or write the caches')
    .requiredOption('-o, --out <dir>', 'folder to write thresholds.json, thresholds-before-after.md and mitigated-predictions.csv into')
    .option('--quiet', 'print no progress')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
    .action(async (target: string, options: MitigateCommandOptions) => {
      process.exitCode = await runMitigateThresholds(target, options);
    });

  mitigate
    .command('resample')
    .description('Write a balanced resampling plan (Kamiran & Calders 2012 uniform or preferential sampling): which images to duplicate or drop so that label and group are independent, per class × group, beside the reweighing weights.')
    .argument('<path>', 'dataset folder or manifest')
    .requiredOption('-a, --attribute <names>', 'sensitive attribute(s), comma-separated (their intersection forms the groups)')
    .addOption(new Option('--method <name>', 'uniform: images chosen at random; preferential: the images closest to the decision boundary (lowest model probability of their own label) first, needs --model or --predictions').choices(['uniform', 'preferential']).default('uniform'))
    .option('-m, --model <file>', 'ONNX model whose scores rank the images (preferential)')
    .option('-p, --predictions <file>', 'predictions file (probabilities or logits per class) whose scores rank the images (preferential)')
    .option('--cache <dir>', 'cache folder (preferential: the model\'s predictions)')
    .option('--no-cache', 'do not read or write the caches')
    .option('--seed <n>', 'seed of the uniform choice of images to duplicate or drop')
    .option('-c, --config <file>', 'fairframe.json to use')
    .requiredOption('-o, --out <dir>', 'folder to write <dataset>.resampling.csv and .json into')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
    .action(async (target: string, options: ResampleCommandOptions) => {
      process.exitCode = await runMitigateResample(target, options);
    });

  program
    .command('shift')
    .description('Has the data moved? Compare the image properties, group shares and (with --model) the embeddings and class priors of <target> against <reference>, overall and by group.')
    .argument('<reference>', 'reference dataset folder or manifest (e.g. the training data)')
    .argument('[target]', 'target dataset folder or manifest (e.g. production data); omit it to compare two splits of <reference>')
    .option('--reference-split <name>', "split of the reference to compare (default: every image; 'all' likewise)")
    .option('--target-split <name>', 'split of the target to compare (default: every image)')
    .option('-m, --model <file>', 'ONNX model: adds the embedding test (MMD) and black-box shift estimation of the class priors')
    .option('-c, --config <file>', 'fairframe.json to use (default: the one at or above <reference>)')
    .option('-f, --format <list>', `report formats, comma-separated: ${FORMATS.join(', ')}`, parseFormats)
    .option('-o, --out <dir>', 'folder to write the reports into (created if needed)')
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding of this severity (or worse) exists').choices(['error', 'warning', 'info']))
    .option('--cache <dir>', 'scan and prediction cache folder (default: $XDG_CACHE_HOME/fairframe or ~/.cache/fairframe)')
    .option('--no-cache', 'do not read or write the caches')
    .option('--quiet', 'print no progress')
    .option('--verbose', 'print the stack trace of any internal error on standard error')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
    .action(async (reference: string, target: string | undefined, options: ShiftCommandOptions) => {
      process.exitCode = await runShiftCommand(reference, target, options);
    });

  program
    .command('runs')
    .description('List the recorded runs, oldest first: id, time, datasets, models with their accuracy, finding counts, git commit.')
    .option('--runs <dir>', 'run store (default: $FAIRFRAME_RUNS, else .fairframe/runs in the current folder)')
    .option('--json', 'print the list as JSON')
    .action(async (options: { runs?: string; json?: boolean }) => {
      process.exitCode = await runRunsCommand(options);
    });

  program
    .command('diff')
    .description('Compare two runs: findings new, resolved and changed; every metric and group figure with the interval of its change (paired bootstrap over the images when both runs scored the same images); whether each fairness gap closed.')
    .argument('<before>', "run id, unique id prefix, run file, 'latest' or 'latest~N'")
    .argument('<after>', "run id, unique id prefix, run file, 'latest' or 'latest~N'")
    .option('--runs <dir>', 'run store (default: $FAIRFRAME_RUNS, else .fairframe/runs in the current folder)')
    .option('--json', 'print the comparison as JSON')
    .option('--replicates <n>', 'bootstrap replicates (default: the before run\'s bootstrapReplicates)')
    .option('--seed <n>', 'bootstrap seed (default: the before run\'s bootstrapSeed)')
    .option('--fail-if-gap-grows', 'exit with code 1 when a fairness gap grew (the interval of its change lies above 0)')
    .action(async (before: string, after: string, options: DiffCommandOptions) => {
      process.exitCode = await runDiffCommand(before, after, options);
    });

  program
    .command('rules')
    .description('List every rule id with its default severity and description.')
    .action(() => {
      for (const rule of allRules()) process.stdout.write(`${rule.id}  ${rule.defaultSeverity.padEnd(7)}  ${rule.name}: ${rule.description}\n`);
    });

  return program;
}

buildProgram().parseAsync(process.argv).catch((error: unknown) => {
  // Commander has already printed its message (or the help, or the version, which end with code 0).
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
  process.exitCode = 2;
});
