import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileJournal, loadJournal } from '../../src/sandbox/journal.js';
import { Store } from '../../src/sandbox/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stamp7-journal-'));
  dirs.push(dir);
  return join(dir, 'journal.ndjson');
}

function addEvent(store: Store, id: string): void {
  store.addEvent({ id, type: 'ping', created_at_ms: Date.now(), body: Buffer.from(`{"id":"${id}","event":"ping"}`) });
}

describe('journal', () => {
  it('cuts a torn last line on load', () => {
    const path = tempFile();
    writeFileSync(path, '{"k":"header","format":1}\n{"k":"event","v":{"id":"evt_1"');
    const loaded = loadJournal(path);
    expect(loaded.records).toHaveLength(1);
    expect(loaded.tornTail).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('{"k":"header","format":1}\n');
  });

  it('restores state written through the journal', async () => {
    const path = tempFile();
    const store = new Store(100);
    store.journal = await FileJournal.open(path, 0, { snapshot: () => store.snapshot() });
    addEvent(store, 'evt_a');
    addEvent(store, 'evt_b');
    await store.flush();
    await store.journal.close();

    const restored = new Store(100);
    expect(restored.load(loadJournal(path).records)).toBe(0);
    expect([...restored.eventList.ascending()].map((event) => event.id)).toEqual(['evt_a', 'evt_b']);
    expect(restored.events.get('evt_b')?.body.toString()).toBe('{"id":"evt_b","event":"ping"}');
  });

  it('compacts to the live state', async () => {
    const path = tempFile();
    const store = new Store(3);
    store.journal = await FileJournal.open(path, 0, { snapshot: () => store.snapshot(), compactAfterLines: 5 });
    for (let index = 0; index < 10; index++) {
      addEvent(store, `evt_${index}`);
      await store.flush();
    }
    await store.journal.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(10);

    const restored = new Store(3);
    restored.load(loadJournal(path).records);
    expect([...restored.eventList.ascending()].map((event) => event.id)).toEqual(['evt_7', 'evt_8', 'evt_9']);
  });

  it('drops the oldest events beyond retention', () => {
    const store = new Store(2);
    for (const id of ['evt_1', 'evt_2', 'evt_3']) addEvent(store, id);
    expect([...store.events.keys()]).toEqual(['evt_2', 'evt_3']);
    const page = store.eventList.page(10, Number.MAX_SAFE_INTEGER, () => true);
    expect(page.items.map((event) => event.id)).toEqual(['evt_3', 'evt_2']);
  });

  it('skips a damaged middle line', () => {
    const path = tempFile();
    writeFileSync(path, '{"k":"header","format":1}\n');
    appendFileSync(path, 'garbage\n{"k":"header","format":1}\n');
    const loaded = loadJournal(path);
    expect(loaded.records).toHaveLength(2);
    expect(loaded.skippedLines).toBe(1);
  });
});
