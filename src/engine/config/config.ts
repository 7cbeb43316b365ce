// Loading, validating and resolving fairframe.json.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import schema from '../../../schema/fairframe.schema.json';
import { FairframeError } from '../errors';
import { readGuardedText } from '../io/guardedFile';
import { THRESHOLD_DEFAULTS, type FairframeConfig, type ResolvedConfig } from './configTypes';

export const CONFIG_FILE_NAME = 'fairframe.json';

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: false });
const validate = ajv.compile<FairframeConfig>(schema);

/** Validates a parsed config object; throws 'bad-config' naming every problem. */
export function validateConfig(raw: unknown, file = CONFIG_FILE_NAME): FairframeConfig {
  if (!validate(raw)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` ('${String(e.params.additionalProperty)}')` : ''}${e.params && 'allowedValues' in e.params && Array.isArray(e.params.allowedValues) ? ` (${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : ''}`)
      .join('; ');
    throw new FairframeError('bad-config', `${file} is not a valid Fairframe configuration: ${problems}.`, { file });
  }
  return raw;
}

/** Applies defaults. `file` is the absolute path of the config file, when there is one. */
export function resolveConfig(raw: FairframeConfig = {}, file?: string): ResolvedConfig {
  return {
    file,
    datasets: raw.datasets ?? [],
    attributes: raw.attributes,
    reference: raw.reference ?? {},
    thresholds: { ...THRESHOLD_DEFAULTS, ...(raw.thresholds ?? {}) },
    rules: raw.rules ?? {},
    models: (raw.models ?? []).map((model) => ({
      ...model,
      path: model.path !== undefined && file ? path.resolve(path.dirname(file), model.path) : model.path,
      predictions: model.predictions !== undefined && file ? path.resolve(path.dirname(file), model.predictions) : model.predictions,
    })),
    intersections: raw.intersections,
    ...(raw.robustness ? { robustness: raw.robustness } : {}),
    ...(raw.robustnessSettings ? { robustnessSettings: raw.robustnessSettings } : {}),
  };
}

/** Reads and validates a config file; a missing, unparsable or invalid file is a 'bad-config' error. */
export async function loadConfigFile(file: string): Promise<ResolvedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readGuardedText(absolute, 'config');
  } catch (error) {
    if (FairframeError.is(error, 'too-large') || FairframeError.is(error, 'not-a-file')) throw new FairframeError('bad-config', (error as Error).message, { file: absolute });
    throw new FairframeError('bad-config', `Cannot read the configuration file '${absolute}': ${(error as Error).message}.`, { file: absolute });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new FairframeError('bad-config', `${absolute} is not valid JSON: ${(error as Error).message}.`, { file: absolute });
  }
  return resolveConfig(validateConfig(raw, absolute), absolute);
}

/** Finds fairframe.json in `dir` (not its parents) and loads it; returns defaults when there is none. */
export async function loadConfigNear(dir: string): Promise<ResolvedConfig> {
  const candidate = path.join(dir, CONFIG_FILE_NAME);
  try {
    await fs.access(candidate);
  } catch {
    return resolveConfig();
  }
  // Found, not named: it must not lead outside its folder through a symlink.
  const [real, dirReal] = await Promise.all([fs.realpath(candidate), fs.realpath(dir)]).catch(() => [candidate, dir]);
  if (path.dirname(real) !== dirReal) {
    throw new FairframeError('bad-config', `${candidate} is a symlink to '${real}', outside its folder; it is not read. Replace it with a file, or name it with --config.`, { file: candidate });
  }
  return loadConfigFile(candidate);
}
