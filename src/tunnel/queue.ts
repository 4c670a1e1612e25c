/**
 * Runs tasks in the order they were pushed, with at most `concurrency` at once. With a
 * concurrency of 1, each task starts after the previous one finished, which keeps
 * deliveries in order. With more, they start in order but may finish out of order.
 */
export class OrderedQueue<T> {
  private readonly pending: T[] = [];
  private head = 0;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly worker: (item: T) => Promise<void>,
    /** Returns false while the consumer wants no new task started, for example while the socket buffer is full. */
    private readonly canStart: () => boolean = () => true,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    this.pump();
  }

  /** Starts queued tasks while there is room; call it again once canStart() may have changed. */
  pump(): void {
    while (this.running < this.concurrency && this.head < this.pending.length && this.canStart()) {
      const item = this.pending[this.head]!;
      this.pending[this.head] = undefined as T;
      this.head += 1;
      this.running += 1;
      void this.worker(item).finally(() => {
        this.running -= 1;
        this.pump();
        this.notifyIdle();
      });
    }
    // Drop the consumed front of the array now and then, so it does not grow without end.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Drops the tasks that have not started and returns how many there were. */
  clear(): number {
    const dropped = this.pending.length - this.head;
    this.pending.length = 0;
    this.head = 0;
    this.notifyIdle();
    return dropped;
  }

  get size(): number {
    return this.pending.length - this.head;
  }

  get active(): number {
    return this.running;
  }

  /** Resolves once no task runs and none waits. */
  onIdle(): Promise<void> {
    if (this.running === 0 && this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.running !== 0 || this.size !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
