// Loads dist/hostEngine.js the first time the host needs the engine (after activation has returned).
import * as path from 'node:path';
import type * as HostEngine from './hostEngine';

let loaded: typeof HostEngine | undefined;

/** The engine functions used in the extension host, loaded once on first call. */
export function hostEngine(): typeof HostEngine {
  // A computed path keeps the bundler from inlining the module: it is a separate file next to dist/extension.js.
  const file = path.join(__dirname, 'hostEngine.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load of a sibling bundle, on purpose
  loaded ??= require(file) as typeof HostEngine;
  return loaded;
}
