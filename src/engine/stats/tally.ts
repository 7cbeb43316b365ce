// Counting helpers and number formatting shared by the statistical dataset checks.
import type { Dataset, DatasetRecord, Location } from '../types';
import { UNKNOWN } from '../types';

/** A record's value of an attribute; missing or blank values are UNKNOWN. */
export function attributeValue(record: DatasetRecord, attribute: string): string {
  const raw: unknown = record.attributes[attribute];
  if (raw === undefined || raw === null) return UNKNOWN;
  const value = String(raw);
  return value.trim() === '' ? UNKNOWN : value;
}

/** Counts of each distinct value, in first-seen order. */
export function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Natural order (numbers inside names compare as numbers, so '9' < '10'), with UNKNOWN last. */
export function compareValues(a: string, b: string): number {
  if (a === b) return 0;
  if (a === UNKNOWN) return 1;
  if (b === UNKNOWN) return -1;
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : 1);
}

/** Where dataset-level findings point: the manifest, or the dataset root when there is none. */
export function datasetLocation(dataset: Dataset): Location {
  return { file: dataset.manifest ?? dataset.root };
}

/** 1234 → '1,234'. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** A share in [0, 1] as a percentage: one decimal, or two significant digits below 0.1%. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return String(share);
  const percent = share * 100;
  if (percent === 0) return '0%';
  if (Math.abs(percent) < 0.1) return `${Number(percent.toPrecision(2))}%`;
  return `${percent.toFixed(1)}%`;
}

/** A number with at most `digits` decimals, trailing zeros dropped: 23.0 → '23', 2.25 → '2.25'. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(digits)));
}

/** A p-value from its log10, readable even when it underflows: 'p = 0.032', 'p = 3.2e-12', 'p = 1e-512'. */
export function formatPValue(log10P: number): string {
  if (Number.isNaN(log10P)) return 'p undefined';
  if (log10P >= -3) return `p = ${Number((10 ** log10P).toPrecision(2))}`;
  if (log10P > -300) return `p = ${(10 ** log10P).toExponential(1)}`;
  return `p ≈ 1e${Math.round(log10P)}`;
}
