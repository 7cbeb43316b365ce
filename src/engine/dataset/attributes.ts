// Which columns are sensitive attributes: configured (dataset, then top level) or guessed from column names.
import type { DatasetConfig, ResolvedConfig } from '../config/configTypes';
import type { AttributeInfo, LoadIssue } from '../types';
import { isAttributeColumnName, matchColumn } from './columns';

/** The attributes of a dataset and the column each is read from. */
export interface AttributeColumns {
  attributes: AttributeInfo[];
  /** attribute name → column name. */
  columns: Map<string, string>;
  issues: LoadIssue[];
}

/**
 * Attributes from the dataset's `attributes`, else `config.attributes` (origin 'config'; a name with no matching column
 * is a 'bad-manifest' issue, except for top-level names on a dataset without columns), else every column whose name
 * looks like a sensitive attribute (origin 'guessed'), leaving out the path, label and split columns.
 */
export function resolveAttributeColumns(
  columns: readonly string[],
  reserved: ReadonlySet<string>,
  declared: DatasetConfig | undefined,
  config: ResolvedConfig,
  location: string,
): AttributeColumns {
  const result: AttributeColumns = { attributes: [], columns: new Map(), issues: [] };
  const configured = declared?.attributes ?? config.attributes;
  if (!configured) {
    for (const column of columns) {
      if (reserved.has(column) || !isAttributeColumnName(column)) continue;
      result.attributes.push({ name: column, origin: 'guessed' });
      result.columns.set(column, column);
    }
    return result;
  }
  const reportMissing = columns.length > 0 || declared?.attributes !== undefined;
  for (const name of configured) {
    if (result.columns.has(name)) continue;
    const column = matchColumn(columns, name);
    if (column !== undefined) {
      result.attributes.push({ name, origin: 'config' });
      result.columns.set(name, column);
    } else if (reportMissing) {
      const available = columns.length > 0 ? `the columns are: ${columns.map((c) => `'${c}'`).join(', ')}` : 'this dataset has no columns (ImageFolder)';
      result.issues.push({
        kind: 'bad-manifest',
        message: `The sensitive attribute '${name}' named in fairframe.json is not a column of the dataset; ${available}.`,
        location: { file: location },
      });
    }
  }
  return result;
}
