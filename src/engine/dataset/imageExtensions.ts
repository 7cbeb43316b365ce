// Which files count as images. BMP is listed so that the scan reports it as unsupported instead of ignoring it.

/** Lower-case image file extensions (without the dot) that datasets may contain. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'heic', 'heif', 'bmp',
]);

/** The lower-case extension of a file name without the dot ('' when there is none). */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** True when the file name has an image extension (case-insensitive) and is not hidden. */
export function isImageFileName(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.has(extensionOf(name));
}
