import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/client.js';
import type { Delivery } from '../api/types.js';

/** How often `trigger --wait` fetches the deliveries of its event. */
export const POLL_INTERVAL_MS = 300;

/** How long `trigger --wait` waits in all: a first attempt takes at most 10 s plus queueing. */
export const WAIT_LIMIT_MS = 30_000;

/**
 * How long an event may have no deliveries before the wait concludes that nothing is
 * subscribed. It covers a platform that fans out after it responds to the create call.
 */
export const NO_DELIVERY_GRACE_MS = 1_500;

/** The maximum number of deliveries of one event that the wait reads. */
const MAX_DELIVERIES = 1_000;

/** True once a delivery has a result worth reporting: ok, failed, or a first attempt made. */
export function isSettled(delivery: Delivery): boolean {
  return delivery.status !== 'pending' || delivery.attempt_count > 0;
}

/** True when a delivery has failed for now: given up, or its last attempt failed and a retry is due. */
export function hasFailed(delivery: Delivery): boolean {
  return delivery.status === 'failed' || (delivery.status === 'pending' && delivery.attempt_count > 0);
}

export interface WaitResult {
  deliveries: Delivery[];
  /** False when the wait limit passed before every delivery settled. */
  complete: boolean;
}

/** Polls the deliveries of one event until each has settled, or the limit passes. */
export async function waitForDeliveries(api: ApiClient, eventId: string, limitMs = WAIT_LIMIT_MS): Promise<WaitResult> {
  const started = Date.now();
  for (;;) {
    const deliveries: Delivery[] = [];
    for await (const delivery of api.paginate<Delivery>('/v1/deliveries', { event_id: eventId }, MAX_DELIVERIES)) deliveries.push(delivery);
    const elapsedMs = Date.now() - started;

    if (deliveries.length > 0 && deliveries.every(isSettled)) return { deliveries, complete: true };
    if (deliveries.length === 0 && elapsedMs >= NO_DELIVERY_GRACE_MS) return { deliveries, complete: true };
    if (elapsedMs >= limitMs) return { deliveries, complete: false };
    await sleep(POLL_INTERVAL_MS);
  }
}
