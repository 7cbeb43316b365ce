// Column and folder naming rules: which manifest columns hold paths, labels, splits and sensitive attributes.

/** Lower-cases a column name and drops everything but letters and digits ('File_Name' → 'filename'). */
export function normaliseColumnName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Normalised names of columns that hold an image path, in order of preference. */
export const PATH_COLUMNS: readonly string[] = [
  'filepath', 'imagepath', 'imgpath', 'path', 'filename', 'file', 'image', 'img', 'imagefile', 'imagefilename',
  'imagename', 'imgname', 'fname', 'relativepath', 'relpath', 'imageid', 'imgid',
];

/** Normalised names of columns that hold the class label, in order of preference. */
export const LABEL_COLUMNS: readonly string[] = [
  'label', 'labels', 'class', 'classname', 'classlabel', 'labelname', 'category', 'categoryname', 'target',
  'diagnosis', 'dx', 'truelabel', 'groundtruth', 'y', 'classid', 'labelid', 'categoryid',
];

/** Normalised names of columns that hold the split. */
export const SPLIT_COLUMNS: readonly string[] = ['split', 'subset', 'partition', 'datasplit', 'splitname'];

/** Normalised names of columns that hold the path of a mask of the object of interest (a lesion, a face), for saliency checks. */
export const MASK_COLUMNS: readonly string[] = ['mask', 'maskpath', 'maskfile', 'segmentation', 'segmentationmask', 'segmentationpath', 'lesionmask', 'roimask', 'objectmask'];

/** Normalised names of columns guessed to hold a sensitive attribute. */
export const ATTRIBUTE_COLUMNS: ReadonlySet<string> = new Set([
  'gender', 'sex', 'age', 'agegroup', 'agebucket', 'agerange', 'agebin', 'agecategory', 'race', 'ethnicity',
  'ethnicgroup', 'raceethnicity', 'skintone', 'skintype', 'skincolor', 'skincolour', 'fitzpatrick',
  'fitzpatrickscale', 'fitzpatrickskintype', 'fitzpatricktype', 'monk', 'monkskintone', 'monkscale', 'religion',
  'disability', 'nationality', 'sexualorientation',
]);

/** Prefixes allowed before a guessed attribute name ('patient_sex', 'apparent_age'). */
const ATTRIBUTE_PREFIXES = ['', 'patient', 'subject', 'person', 'participant', 'selfreported', 'reported', 'perceived', 'apparent'];

/** Folder names (compared case-insensitively) that mark a split in ImageFolder and Hugging Face layouts. */
export const SPLIT_NAMES: ReadonlySet<string> = new Set(['train', 'test', 'val', 'valid', 'validation', 'dev']);

/** True when a folder name is a split name. */
export function isSplitName(name: string): boolean {
  return SPLIT_NAMES.has(name.toLowerCase());
}

/** The first column whose normalised name is in `preferred` (earlier entries win), or undefined. */
export function findColumn(columns: readonly string[], preferred: readonly string[]): string | undefined {
  const byName = new Map<string, string>();
  for (const column of columns) {
    const key = normaliseColumnName(column);
    if (!byName.has(key)) byName.set(key, column);
  }
  for (const name of preferred) {
    const column = byName.get(name);
    if (column !== undefined) return column;
  }
  return undefined;
}

/** A configured column name matched exactly, else case- and separator-insensitively. */
export function matchColumn(columns: readonly string[], wanted: string): string | undefined {
  if (columns.includes(wanted)) return wanted;
  const key = normaliseColumnName(wanted);
  return columns.find((column) => normaliseColumnName(column) === key);
}

/** True when a column name looks like a sensitive attribute (case-insensitive, separators ignored). */
export function isAttributeColumnName(column: string): boolean {
  const key = normaliseColumnName(column);
  return ATTRIBUTE_PREFIXES.some((prefix) => key.startsWith(prefix) && ATTRIBUTE_COLUMNS.has(key.slice(prefix.length)));
}

/** Values read as missing: empty or blank, and the usual not-available spellings. */
const MISSING_VALUES = new Set(['', 'nan', 'na', 'n/a', 'null']);

/** True when an attribute value counts as missing (it then becomes UNKNOWN). */
export function isMissingValue(value: string | undefined): boolean {
  return value === undefined || MISSING_VALUES.has(value.trim().toLowerCase());
}
