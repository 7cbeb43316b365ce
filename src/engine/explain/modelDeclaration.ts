// Finds the fairframe.json entry that declares a model, so an explanation resolves the model's labels and
// preprocessing as the audit does (fairframe.json entry > sidecar > metadata_props > input shape).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAME, loadConfigFile } from '../config/config';
import type { ModelConfig } from '../config/configTypes';

/** A model's fairframe.json entry (undefined when none declares it) and the file it was read from. */
export interface ModelDeclaration {
  config?: ModelConfig;
  configFile?: string;
}

/**
 * The entry of `modelFile` in `configFile` when one is given (its absence then means the model is not declared), else
 * in the nearest fairframe.json at or above the model's folder that declares it. A fairframe.json that cannot be read
 * is an error, not skipped: the explanation would otherwise be silently made with other settings.
 */
export async function findModelDeclaration(modelFile: string, configFile?: string): Promise<ModelDeclaration> {
  const absolute = path.resolve(modelFile);
  if (configFile) {
    const config = await loadConfigFile(configFile);
    return { config: config.models.find((model) => model.path === absolute), configFile: path.resolve(configFile) };
  }
  for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (await fs.stat(candidate).then((stat) => stat.isFile(), () => false)) {
      const entry = (await loadConfigFile(candidate)).models.find((model) => model.path === absolute);
      if (entry) return { config: entry, configFile: candidate };
    }
    if (path.dirname(dir) === dir) return {};
  }
}
