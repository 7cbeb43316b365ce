// The expected distribution of a sensitive attribute: a configured reference, or uniform.
import { UNKNOWN } from '../types';

/** Expected shares per value: the normalised reference when configured (matched case- and space-insensitively), else uniform. */
export function expectedShares(
  observedValues: readonly string[],
  reference: Record<string, number> | undefined,
): { source: 'reference' | 'uniform'; shares: Map<string, number>; notInReference: string[] } {
  // A reference share for the unknown value itself is meaningless here: unknowns are left out of every share.
  const entries = Object.entries(reference ?? {}).filter(
    ([name, share]) => Number.isFinite(share) && share >= 0 && name.trim().toLowerCase() !== UNKNOWN,
  );
  const referenceTotal = entries.reduce((sum, [, share]) => sum + share, 0);
  if (entries.length === 0 || !(referenceTotal > 0)) {
    const shares = new Map<string, number>(observedValues.map((value) => [value, 1 / observedValues.length]));
    return { source: 'uniform', shares, notInReference: [] };
  }
  // Data values are matched to reference keys exactly, else by their trimmed lower-case form.
  const byKey = new Map<string, string>();
  for (const value of observedValues) {
    const key = value.trim().toLowerCase();
    if (!byKey.has(key)) byKey.set(key, value);
  }
  const shares = new Map<string, number>();
  for (const [name, share] of entries) {
    const value = observedValues.includes(name) ? name : byKey.get(name.trim().toLowerCase()) ?? name;
    shares.set(value, (shares.get(value) ?? 0) + share / referenceTotal);
  }
  const notInReference = observedValues.filter((value) => !shares.has(value));
  return { source: 'reference', shares, notInReference };
}
