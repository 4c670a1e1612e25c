/**
 * Records in creation order, listed newest first with a cursor. Removal is lazy: a removed
 * record stays in the array until garbage makes up half of it, so retention costs O(1) per
 * record on average.
 */
export class SeqList<T extends { seq: number }> {
  private items: T[] = [];
  private garbage = 0;
  /** Index before which every record is dead, so `oldest()` does not rescan them. */
  private head = 0;

  constructor(private readonly isLive: (item: T) => boolean) {}

  push(item: T): void {
    this.items.push(item);
  }

  /** Notes that a record was removed from the owner's map. */
  noteRemoved(count = 1): void {
    this.garbage += count;
    if (this.garbage > 1_000 && this.garbage * 2 > this.items.length) {
      this.items = this.items.filter(this.isLive);
      this.garbage = 0;
      this.head = 0;
    }
  }

  /** The oldest live record, or undefined. */
  oldest(): T | undefined {
    while (this.head < this.items.length && !this.isLive(this.items[this.head]!)) this.head += 1;
    return this.items[this.head];
  }

  /** Live records in creation order. */
  *ascending(): Generator<T> {
    for (const item of this.items) {
      if (this.isLive(item)) yield item;
    }
  }

  /**
   * Returns up to `limit` live records with `seq` below `beforeSeq` that pass `filter`,
   * newest first, and whether more follow.
   */
  page(limit: number, beforeSeq: number, filter: (item: T) => boolean): { items: T[]; hasMore: boolean } {
    const items: T[] = [];
    let index = this.indexBefore(beforeSeq);
    for (; index >= 0; index--) {
      const item = this.items[index]!;
      if (!this.isLive(item) || !filter(item)) continue;
      if (items.length === limit) return { items, hasMore: true };
      items.push(item);
    }
    return { items, hasMore: false };
  }

  // Binary search for the last index whose seq is below `beforeSeq`; seq grows with index.
  private indexBefore(beforeSeq: number): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.items[middle]!.seq < beforeSeq) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }
}
