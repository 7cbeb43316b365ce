// Saves the audit store in the workspace storage (never in a dataset folder) a moment after each change, and reads it
// back on activation, so results survive a window reload without re-running anything. Pure (no 'vscode').
import { promises as fs, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AuditStore } from './auditStore';
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
    this.savedVersion = version;
  }
}
