import { MemoryJournal, type Journal } from './journal.js';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord, ListenSessionRecord } from './model.js';
import { SeqList } from './seq-list.js';

/** Events kept by default; older events are dropped with their deliveries. */
export const DEFAULT_RETENTION_EVENTS = 10_000;

const JOURNAL_FORMAT = 1;

type DeliveryState = Omit<DeliveryRecord, 'attempts' | 'seq' | 'event_seq'>;

/** One line of the journal. Every record is an upsert or a delete, so replaying a prefix of the file is always a valid state. */
type JournalRecord =
  | { k: 'header'; format: number }
  | { k: 'endpoint'; v: Omit<EndpointRecord, 'seq'> }
  | { k: 'endpoint_deleted'; id: string }
  | { k: 'event'; v: { id: string; type: string; created_at_ms: number; body: string } }
  | { k: 'delivery'; v: DeliveryState; a?: AttemptRecord; attempts?: AttemptRecord[] }
  | { k: 'session'; v: Omit<ListenSessionRecord, 'seq'> }
  | { k: 'session_deleted'; id: string };

/**
 * The sandbox state in memory, with every change written to the journal as it happens.
 * Callers change state synchronously, then await `flush()` before they respond to a
 * request, so nothing is acknowledged before it is on disk.
 */
export class Store {
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  readonly sessions = new Map<string, ListenSessionRecord>();
  readonly eventList = new SeqList<EventRecord>((event) => this.events.get(event.id) === event);
  readonly deliveryList = new SeqList<DeliveryRecord>((delivery) => this.deliveries.get(delivery.id) === delivery);
  private readonly deliveriesByEvent = new Map<string, DeliveryRecord[]>();
  private nextSeq = 1;
  private loading = false;
  journal: Journal = new MemoryJournal();
  /** Called when the hard retention limit drops an event that still had pending deliveries. */
  onPendingDropped: (eventId: string, pendingCount: number) => void = () => undefined;

  constructor(readonly retentionEvents: number = DEFAULT_RETENTION_EVENTS) {}

  /** Applies journal records in order; returns how many were not understood. */
  load(records: unknown[]): number {
    let ignored = 0;
    this.loading = true;
    try {
      for (const record of records) {
        if (!this.apply(record as JournalRecord)) ignored += 1;
      }
    } finally {
      this.loading = false;
    }
    this.applyRetention();
    return ignored;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  putEndpoint(endpoint: Omit<EndpointRecord, 'seq'> & { seq?: number }): EndpointRecord {
    const existing = this.endpoints.get(endpoint.id);
    const record: EndpointRecord = { ...endpoint, seq: existing?.seq ?? this.nextSeq++ };
    this.endpoints.set(record.id, record);
    this.write({ k: 'endpoint', v: withoutSeq(record) });
    return record;
  }

  deleteEndpoint(id: string): void {
    this.endpoints.delete(id);
    this.write({ k: 'endpoint_deleted', id });
  }

  /**
   * Adds an event, then applies retention: beyond `retentionEvents`, the oldest events are
   * dropped with their deliveries once none of those is pending. A pending delivery keeps
   * its event, and the ones after it, until the store contains twice the limit; from there the
   * oldest event goes whatever its state, so memory stays bounded. `onPendingDropped` hears
   * about each event dropped that way.
   */
  addEvent(event: Omit<EventRecord, 'seq'>): EventRecord {
    const record: EventRecord = { ...event, body: ownedCopy(event.body), seq: this.nextSeq++ };
    this.events.set(record.id, record);
    this.eventList.push(record);
    this.write(() => ({ k: 'event', v: { id: record.id, type: record.type, created_at_ms: record.created_at_ms, body: record.body.toString('utf8') } }));
    // While loading, an event's deliveries come later in the file, so retention waits for the end.
    if (!this.loading) this.applyRetention();
    return record;
  }

  private applyRetention(): void {
    while (this.events.size > this.retentionEvents) {
      const oldest = this.eventList.oldest();
      if (oldest === undefined) return;
      const pending = this.deliveriesOfEvent(oldest.id).filter((delivery) => delivery.status === 'pending').length;
      if (pending > 0 && this.events.size <= this.retentionEvents * 2) return;
      if (pending > 0) this.onPendingDropped(oldest.id, pending);
      this.dropEvent(oldest);
    }
  }

  addDelivery(delivery: Omit<DeliveryRecord, 'seq' | 'event_seq' | 'attempts'>): DeliveryRecord {
    const event = this.events.get(delivery.event_id);
    if (event === undefined) throw new Error(`no event ${delivery.event_id} for delivery ${delivery.id}`);
    const record: DeliveryRecord = { ...delivery, attempts: [], event_seq: event.seq, seq: this.nextSeq++ };
    this.indexDelivery(record);
    this.write(() => ({ k: 'delivery', v: deliveryState(record) }));
    return record;
  }

  /** Records a change of a delivery's state, with the attempt that caused it when there is one. */
  saveDelivery(delivery: DeliveryRecord, attempt?: AttemptRecord): void {
    if (attempt !== undefined) delivery.attempts.push(attempt);
    if (this.deliveries.get(delivery.id) !== delivery) return;
    this.write(() => (attempt === undefined ? { k: 'delivery', v: deliveryState(delivery) } : { k: 'delivery', v: deliveryState(delivery), a: attempt }));
  }

  deliveriesOfEvent(eventId: string): readonly DeliveryRecord[] {
    return this.deliveriesByEvent.get(eventId) ?? [];
  }

  putSession(session: Omit<ListenSessionRecord, 'seq'> & { seq?: number }): ListenSessionRecord {
    const existing = this.sessions.get(session.id);
    const record: ListenSessionRecord = { ...session, seq: existing?.seq ?? this.nextSeq++ };
    this.sessions.set(record.id, record);
    this.write({ k: 'session', v: withoutSeq(record) });
    return record;
  }

  deleteSession(id: string): void {
    this.sessions.delete(id);
    this.write({ k: 'session_deleted', id });
  }

  /** Returns the live state as journal records, in an order that `load` restores exactly. */
  snapshot(): object[] {
    const records: JournalRecord[] = [{ k: 'header', format: JOURNAL_FORMAT }];
    for (const endpoint of [...this.endpoints.values()].sort(bySeq)) records.push({ k: 'endpoint', v: withoutSeq(endpoint) });
    for (const session of [...this.sessions.values()].sort(bySeq)) records.push({ k: 'session', v: withoutSeq(session) });
    for (const event of this.eventList.ascending()) {
      records.push({ k: 'event', v: { id: event.id, type: event.type, created_at_ms: event.created_at_ms, body: event.body.toString('utf8') } });
    }
    for (const delivery of this.deliveryList.ascending()) records.push({ k: 'delivery', v: deliveryState(delivery), attempts: delivery.attempts });
    return records;
  }

  private write(record: JournalRecord | (() => JournalRecord)): void {
    if (this.loading || !this.journal.persistent) return;
    this.journal.append(typeof record === 'function' ? record() : record);
  }

  private dropEvent(event: EventRecord): void {
    this.events.delete(event.id);
    this.eventList.noteRemoved();
    const deliveries = this.deliveriesByEvent.get(event.id) ?? [];
    this.deliveriesByEvent.delete(event.id);
    for (const delivery of deliveries) this.deliveries.delete(delivery.id);
    if (deliveries.length > 0) this.deliveryList.noteRemoved(deliveries.length);
  }

  private indexDelivery(record: DeliveryRecord): void {
    this.deliveries.set(record.id, record);
    this.deliveryList.push(record);
    const list = this.deliveriesByEvent.get(record.event_id);
    if (list === undefined) this.deliveriesByEvent.set(record.event_id, [record]);
    else list.push(record);
  }

  private apply(record: JournalRecord): boolean {
    if (record === null || typeof record !== 'object') return false;
    switch (record.k) {
      case 'header':
        return true;
      case 'endpoint':
        this.putEndpoint(record.v);
        return true;
      case 'endpoint_deleted':
        this.deleteEndpoint(record.id);
        return true;
      case 'event':
        if (this.events.has(record.v.id)) return true;
        this.addEvent({ id: record.v.id, type: record.v.type, created_at_ms: record.v.created_at_ms, body: Buffer.from(record.v.body, 'utf8') });
        return true;
      case 'delivery':
        return this.applyDelivery(record);
      case 'session':
        this.putSession(record.v);
        return true;
      case 'session_deleted':
        this.deleteSession(record.id);
        return true;
      default:
        return false;
    }
  }

  private applyDelivery(record: Extract<JournalRecord, { k: 'delivery' }>): boolean {
    const existing = this.deliveries.get(record.v.id);
    if (existing !== undefined) {
      Object.assign(existing, record.v);
      if (record.a !== undefined) existing.attempts.push(record.a);
      return true;
    }
    const event = this.events.get(record.v.event_id);
    // The event was dropped by retention, so its deliveries go with it.
    if (event === undefined) return true;
    const attempts = record.attempts ?? (record.a === undefined ? [] : [record.a]);
    this.indexDelivery({ ...record.v, attempts: [...attempts], event_seq: event.seq, seq: this.nextSeq++ });
    return true;
  }
}

// A small Buffer is usually a slice of Node's shared 8 KiB pool, and keeping the slice keeps
// the whole pool block alive. Retained bodies get their own memory instead.
function ownedCopy(body: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(body.length);
  body.copy(copy);
  return copy;
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}

function withoutSeq<T extends { seq: number }>(record: T): Omit<T, 'seq'> {
  const { seq: _seq, ...rest } = record;
  return rest;
}

function deliveryState(delivery: DeliveryRecord): DeliveryState {
  const { attempts: _attempts, seq: _seq, event_seq: _eventSeq, ...state } = delivery;
  return state;
}
