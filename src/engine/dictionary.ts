// Records keyed by data (labels, attribute values, file ids) are built on null-prototype objects, so that a key
// named `__proto__`, `constructor` or `toString` is an ordinary key; they are handed out as plain objects.

/** An empty record with no prototype: `record[key]` is undefined for every key not set. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A plain-object copy of a record, its keys defined as own data properties (`__proto__` included). */
export function plainRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record));
}
