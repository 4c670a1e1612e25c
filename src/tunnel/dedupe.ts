import type { OutcomeMessage } from '../protocol/index.js';

/**
 * The number of delivery attempts the tunnel remembers. An attempt the relay replays after
 * it was forwarded was sent on the previous connection, which had at most 1,000 without an
 * outcome, so it is among the most recent entries.
 */
export const DEDUPE_CAPACITY = 10_000;

/**
 * Remembers which delivery attempts were already taken, keyed by delivery id and attempt,
 * so a replay never reaches the app twice. It keeps the outcome of a finished attempt, so
 * the outcome can be sent again when the relay replays an attempt whose outcome it missed.
 * The oldest entries go first once the capacity is reached, which keeps memory flat.
 */
export class DeliveryDedupe {
  private readonly entries = new Map<string, OutcomeMessage | null>();

  constructor(private readonly capacity = DEDUPE_CAPACITY) {}

  /**
   * Claims an attempt. Returns `new` the first time; later calls return `in-flight` while
   * the first is still being forwarded, or the recorded outcome once it has finished.
   */
  claim(deliveryId: string, attempt: number): { state: 'new' } | { state: 'in-flight' } | { state: 'done'; outcome: OutcomeMessage } {
    const key = `${deliveryId}#${attempt}`;
    if (this.entries.has(key)) {
      const outcome = this.entries.get(key);
      return outcome ? { state: 'done', outcome } : { state: 'in-flight' };
    }
    this.entries.set(key, null);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return { state: 'new' };
  }

  /** Stores the outcome of a claimed attempt. */
  finish(deliveryId: string, attempt: number, outcome: OutcomeMessage): void {
    const key = `${deliveryId}#${attempt}`;
    if (this.entries.has(key)) this.entries.set(key, outcome);
  }

  get size(): number {
    return this.entries.size;
  }
}
