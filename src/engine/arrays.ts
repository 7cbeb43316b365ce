// Array helpers safe for data-sized arrays: spreading 200,000 items into push() or Math.max() overflows the call stack.

/** Appends every item of `items` to `target` (push(...items) without the argument-count limit); returns target. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest value (−Infinity for none), as Math.max(...values) without the argument-count limit. */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const value of values) if (value > max || Number.isNaN(value)) max = value;
  return max;
}

/** The smallest value (Infinity for none), as Math.min(...values) without the argument-count limit. */
export function minOf(values: Iterable<number>): number {
  let min = Infinity;
  for (const value of values) if (value < min || Number.isNaN(value)) min = value;
  return min;
}
