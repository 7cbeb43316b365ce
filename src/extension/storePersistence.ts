// Saves the audit store in the workspace storage (never in a dataset folder) a moment after each change, and reads it
// back on activation, so results survive a window reload without re-running anything. Pure (no 'vscode').
import { createHash } from 'node:crypto';
import { promises as fs, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AuditStore, StoreContent } from './auditStore';
import { readSnapshot, toSnapshot } from './storeSnapshot';

/** The file the store is saved to, in the workspace storage folder. */
export const STORE_FILE_NAME = 'audit-results.json';

/** What happened when the saved store was read. */
export type RestoreOutcome =
  | { kind: 'none' }
  | { kind: 'restored'; datasets: number; models: number }
  | { kind: 'dropped'; reason: string };

/** Keeps `store` saved in `folder` (the extension's workspace storage). */
export class StorePersistence {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private savedVersion = -1;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly store: AuditStore,
    private readonly folder: string,
    private readonly log: { error(what: string, error: unknown): void; info(message: string): void },
    private readonly delayMs = 1000,
    /** Also keeps a copy of each workspace folder's results (see FolderResultsCopies), for these folders. */
    private readonly copies?: { copies: FolderResultsCopies; folders(): string[] },
  ) {
    this.subscription = store.onDidChange(() => this.schedule());
  }

  /** The file written. */
  get file(): string {
    return path.join(this.folder, STORE_FILE_NAME);
  }

  /** Reads the saved store into `store`; an unreadable or invalid file is dropped (deleted) and reported. */
  async restore(): Promise<RestoreOutcome> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      this.log.error(`Reading the saved audit results (${this.file})`, error);
      return { kind: 'dropped', reason: error instanceof Error ? error.message : String(error) };
    }
    const reading = readSnapshot(text);
    if (!reading.ok) {
      this.log.info(`The saved audit results were dropped: ${reading.reason}.`);
      await fs.rm(this.file, { force: true }).catch(() => undefined);
      return { kind: 'dropped', reason: reading.reason };
    }
    this.store.restore(reading.content);
    // What was just read is what is saved.
    this.savedVersion = this.store.version;
    return { kind: 'restored', datasets: reading.content.datasets.length, models: reading.content.models.length };
  }

  /** Saves a moment after the last change. */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Saves now (if anything changed since the last save); resolves once written. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(() => this.write()).catch((error: unknown) => this.log.error('Saving the audit results', error));
    return this.writing;
  }

  /** Stops listening; writes what is unsaved synchronously (the extension host is going away). */
  dispose(): void {
    this.subscription.dispose();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.store.version === this.savedVersion) return;
    try {
      mkdirSync(this.folder, { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(toSnapshot(this.store.content())));
      renameSync(temporary, this.file);
    } catch (error) {
      this.log.error('Saving the audit results', error);
    }
  }

  private async write(): Promise<void> {
    const version = this.store.version;
    if (version === this.savedVersion) return;
    await fs.mkdir(this.folder, { recursive: true });
    // Written to a temporary file and renamed: a reader never sees half a file.
    const temporary = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(toSnapshot(this.store.content())));
    await fs.rename(temporary, this.file);
    await this.copies?.copies.save(this.copies.folders());
    this.savedVersion = version;
  }
}

/** Folder copies kept at most (the least recently written are deleted). */
const KEPT_FOLDER_COPIES = 20;

/**
 * A copy of each workspace folder's results in the extension's global storage, keyed by the folder's path: the
 * workspace storage is per window identity, which changes when a folder joins a single-folder window (it becomes a
 * multi-root workspace), so the folder's results are read back from here then. Never inside a dataset.
 */
export class FolderResultsCopies {
  constructor(
    private readonly store: AuditStore,
    private readonly folder: string,
    private readonly log: { error(what: string, error: unknown): void; info(message: string): void },
  ) {}

  /** The file of one workspace folder's copy. */
  fileOf(workspaceFolder: string): string {
    return path.join(this.folder, `${createHash('sha256').update(path.resolve(workspaceFolder)).digest('hex').slice(0, 24)}.json`);
  }

  /** Writes each of `folders`' results (deleting the copy of a folder without any). */
  async save(folders: string[]): Promise<void> {
    const content = this.store.content();
    await fs.mkdir(this.folder, { recursive: true });
    for (const workspaceFolder of folders) {
      const own: StoreContent = {
        datasets: content.datasets.filter((entry) => entry.folder === workspaceFolder),
        models: content.models.filter((entry) => entry.folder === workspaceFolder),
        other: content.other.filter((entry) => entry.folder === workspaceFolder),
      };
      const file = this.fileOf(workspaceFolder);
      if (own.datasets.length + own.models.length + own.other.length === 0) {
        await fs.rm(file, { force: true });
        continue;
      }
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify({ folder: path.resolve(workspaceFolder), snapshot: toSnapshot(own) }));
      await fs.rename(temporary, file);
    }
    await this.prune();
  }

  /** Adds the saved results of `folders` that the store does not hold yet; returns how many audits came back. */
  async restore(folders: string[]): Promise<{ datasets: number; models: number }> {
    const restored = { datasets: 0, models: 0 };
    for (const workspaceFolder of folders) {
      const file = this.fileOf(workspaceFolder);
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const record = parsed as { folder?: unknown; snapshot?: unknown } | undefined;
      const reading = record && record.folder === path.resolve(workspaceFolder) ? readSnapshot(record.snapshot) : { ok: false as const, reason: 'it is not a copy of this folder' };
      if (!reading.ok) {
        this.log.info(`The saved copy of ${workspaceFolder}'s audit results was dropped: ${reading.reason}.`);
        await fs.rm(file, { force: true }).catch(() => undefined);
        continue;
      }
      const before = { datasets: this.store.datasetAudits().length, models: this.store.modelAudits().length };
      this.store.restore(reading.content);
      restored.datasets += this.store.datasetAudits().length - before.datasets;
      restored.models += this.store.modelAudits().length - before.models;
    }
    return restored;
  }

  private async prune(): Promise<void> {
    const names = (await fs.readdir(this.folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
    if (names.length <= KEPT_FOLDER_COPIES) return;
    const stamped = await Promise.all(names.map(async (name) => ({ name, time: (await fs.stat(path.join(this.folder, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    stamped.sort((a, b) => b.time - a.time);
    for (const { name } of stamped.slice(KEPT_FOLDER_COPIES)) await fs.rm(path.join(this.folder, name), { force: true }).catch(() => undefined);
  }
}
