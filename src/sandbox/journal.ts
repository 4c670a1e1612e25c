import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Durable storage for the sandbox state: an append-only file of JSON lines. Appends are
 * grouped, so many writes share one `write` and one `fdatasync`, and `flush()` resolves once
 * everything appended before the call is on disk. Compaction writes the live state to a
 * temporary file, syncs it and renames it over the journal, so a crash at any point leaves
 * either the old or the new file whole. A torn last line, which SIGKILL or a power cut can
 * leave, is cut off on open.
 */
export interface Journal {
  /** False when records are dropped, so callers can skip building them. */
  readonly persistent: boolean;
  append(record: object): void;
  /** Resolves once every record appended so far is written and synced. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A journal that keeps nothing, for `--ephemeral`. */
export class MemoryJournal implements Journal {
  readonly persistent = false;
  append(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface LoadedJournal {
  records: unknown[];
  /** Lines skipped because they were not JSON: a torn last line, or damage in the middle. */
  skippedLines: number;
  tornTail: boolean;
}

/** Reads every record of a journal file; a missing file has none. Cuts a torn last line off the file. */
export function loadJournal(path: string): LoadedJournal {
  if (!existsSync(path)) return { records: [], skippedLines: 0, tornTail: false };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const tornTail = lastNewline !== text.length - 1 && text.length > 0;
  if (tornTail) truncateSync(path, Buffer.byteLength(text.slice(0, lastNewline + 1), 'utf8'));

  const records: unknown[] = [];
  let skippedLines = tornTail ? 1 : 0;
  for (const line of text.slice(0, lastNewline + 1).split('\n')) {
    if (line === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      skippedLines += 1;
    }
  }
  return { records, skippedLines, tornTail };
}

export interface FileJournalOptions {
  /** Returns the live state as records, for compaction. */
  snapshot: () => object[];
  /** Compacts once the file holds this many lines more than the last snapshot had. */
  compactAfterLines?: number;
  onError?: (error: Error) => void;
}

/** The journal file of a data folder. */
export class FileJournal implements Journal {
  readonly persistent = true;
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private appendedCount = 0;
  private durableCount = 0;
  private waiters: Array<{ count: number; resolve: () => void; reject: (error: Error) => void }> = [];
  private writing = false;
  private closed = false;
  private linesInFile: number;
  private linesAtSnapshot: number;

  private constructor(
    private readonly path: string,
    linesInFile: number,
    private readonly options: FileJournalOptions,
  ) {
    this.linesInFile = linesInFile;
    this.linesAtSnapshot = linesInFile;
  }

  /** Opens the journal for appending; `linesInFile` is what loadJournal read. */
  static async open(path: string, linesInFile: number, options: FileJournalOptions): Promise<FileJournal> {
    const journal = new FileJournal(path, linesInFile, options);
    journal.handle = await open(path, 'a', 0o600);
    return journal;
  }

  append(record: object): void {
    // Late changes during shutdown, such as a listen client disconnecting, are not saved.
    if (this.closed) {
      this.options.onError?.(new Error('a change came after the journal closed and is not saved'));
      return;
    }
    this.pending.push(`${JSON.stringify(record)}\n`);
    this.appendedCount += 1;
    if (!this.writing) {
      this.writing = true;
      setImmediate(() => void this.writeLoop());
    }
  }

  flush(): Promise<void> {
    if (this.durableCount >= this.appendedCount) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count: this.appendedCount, resolve, reject }));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
  }

  // One writer at a time: each round takes everything appended so far, writes it with one
  // call, syncs, then wakes the callers whose records are now durable.
  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        const batchEnd = this.appendedCount;
        this.pending = [];
        await this.handle!.write(batch.join(''));
        await this.handle!.datasync();
        this.linesInFile += batch.length;
        this.durableCount = batchEnd;
        this.wake();
        if (this.pending.length === 0 && this.shouldCompact()) await this.compact();
      }
    } catch (error) {
      this.options.onError?.(error as Error);
      const failed = this.waiters;
      this.waiters = [];
      for (const waiter of failed) waiter.reject(error as Error);
    } finally {
      this.writing = false;
      if (this.pending.length > 0) {
        this.writing = true;
        setImmediate(() => void this.writeLoop());
      }
    }
  }

  private wake(): void {
    const ready = this.waiters.filter((waiter) => waiter.count <= this.durableCount);
    this.waiters = this.waiters.filter((waiter) => waiter.count > this.durableCount);
    for (const waiter of ready) waiter.resolve();
  }

  private shouldCompact(): boolean {
    const threshold = this.options.compactAfterLines ?? 50_000;
    return this.linesInFile - this.linesAtSnapshot >= threshold;
  }

  // The snapshot is taken synchronously while nothing is pending, so it contains exactly
  // the state the file describes; records appended during the copy go to the new file.
  private async compact(): Promise<void> {
    const lines = this.options.snapshot().map((record) => `${JSON.stringify(record)}\n`);
    const temporary = `${this.path}.compact`;
    const output = await open(temporary, 'w', 0o600);
    try {
      await writeInChunks(output, lines);
      await output.sync();
    } finally {
      await output.close();
    }
    await rename(temporary, this.path);
    syncDirectory(dirname(this.path));

    await this.handle!.close();
    this.handle = await open(this.path, 'a', 0o600);
    this.linesInFile = lines.length;
    this.linesAtSnapshot = lines.length;
  }
}

async function writeInChunks(handle: FileHandle, lines: string[]): Promise<void> {
  const CHUNK_LINES = 2_000;
  for (let start = 0; start < lines.length; start += CHUNK_LINES) {
    await handle.write(lines.slice(start, start + CHUNK_LINES).join(''));
  }
}

/** Syncs a folder so a rename in it survives a power cut; a no-op where folders cannot be opened (Windows). */
export function syncDirectory(path: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    fsyncSync(descriptor);
  } catch {
    // NOTE: Windows cannot open a folder for fsync; the rename is still atomic there.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/** The journal file inside a data folder. */
export function journalPath(dataDir: string): string {
  return join(dataDir, 'journal.ndjson');
}
