/** A min-heap of items keyed by a due time in ms. */
export class DueHeap<T> {
  private readonly entries: Array<{ dueMs: number; item: T }> = [];

  get size(): number {
    return this.entries.length;
  }

  push(dueMs: number, item: T): void {
    const entries = this.entries;
    entries.push({ dueMs, item });
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >>> 1;
      if (entries[parent]!.dueMs <= dueMs) break;
      entries[index] = entries[parent]!;
      index = parent;
    }
    entries[index] = { dueMs, item };
  }

  peekDueMs(): number | undefined {
    return this.entries[0]?.dueMs;
  }

  pop(): { dueMs: number; item: T } | undefined {
    const entries = this.entries;
    const top = entries[0];
    const last = entries.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;

    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      let smallestDue = last.dueMs;
      if (left < entries.length && entries[left]!.dueMs < smallestDue) {
        smallest = left;
        smallestDue = entries[left]!.dueMs;
      }
      if (right < entries.length && entries[right]!.dueMs < smallestDue) smallest = right;
      if (smallest === index) break;
      entries[index] = entries[smallest]!;
      index = smallest;
    }
    entries[index] = last;
    return top;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** A first-in first-out queue with O(1) shift. */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item. */
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}
