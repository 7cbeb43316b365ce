// The command-line front end: `fairframe audit <path>` over the same engine the extension uses.
import { Command, InvalidArgumentError, Option } from 'commander';
import { errorMessageOf, runAuditCommand, type AuditCommandOptions } from './auditCommand';
import { escapeControl } from '../engine/report/displayText';
import { runMergeCommand, type MergeCommandOptions } from './mergeCommand';
import { runExplainCommand, type ExplainCommandOptions } from './explainCommand';
import { EXPLAIN_METHODS } from '../engine/explain/explainer';
import { TOOL_VERSION } from '../engine/version';
import { allRules } from '../engine/checks';

const FORMATS = ['json', 'md', 'sarif'] as const;

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
    .showHelpAfterError();

  program
    .command('audit')
    .description('Audit the dataset(s) at <path> (a dataset folder, a manifest file, or a folder holding several datasets), and with --model the model on them.')
    .argument('<path>', 'dataset folder, manifest (CSV/TSV/JSONL) or workspace folder')
    .option('-c, --config <file>', 'fairframe.json to use (default: the one in <path>, if any)')
    .option('-f, --format <list>', `report formats, comma-separated: ${FORMATS.join(', ')}`, parseFormats)
    .option('-o, --out <dir>', 'folder to write the reports into (created if needed)')
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding of this severity (or worse) exists').choices(['error', 'warning', 'info']))
    .option('--cache <dir>', 'scan cache folder (default: $XDG_CACHE_HOME/fairframe or ~/.cache/fairframe)')
    .option('--no-cache', 'do not read or write the scan cache')
    .option('--no-decode', 'run only the checks that decode no image')
    .option('--export-weights <attributes>', 'write Kamiran–Calders reweighing weights for these attributes (comma-separated) into --out')
    .option('--dataset <name...>', 'only audit the datasets with these names')
    .option('-m, --model <file...>', 'ONNX model(s) to audit on the dataset, or auto for every .onnx file under <path> (also: models in fairframe.json)')
    .option('--split <name>', "split to audit the model on (default: test, else validation/val, else every image; 'all' for every image)")
    .option('--quiet', 'print no progress')
    .option('--verbose', 'print the stack trace of any internal error on standard error')
    .option('--out-inside-data', 'allow --out to be inside a dataset (refused otherwise)')
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

  program
    .command('rules')
    .description('List every rule id with its default severity and description.')
    .action(() => {
      for (const rule of allRules()) process.stdout.write(`${rule.id}  ${rule.defaultSeverity.padEnd(7)}  ${rule.name}: ${rule.description}\n`);
    });

  return program;
}

buildProgram().parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
  process.exitCode = 2;
});
