import { randomBytes } from 'node:crypto';
import { buildEvent, type BuiltEvent } from '../events/build.js';
import type { EventType } from '../events/catalog.js';
import { deliveryId as newDeliveryId } from '../events/ids.js';
import { computeSignature, signPayload, SIGNATURE_HEADER } from '../signing/index.js';
import type { Probe } from './types.js';

export const USER_AGENT = '7stamp-Webhooks/1.0';

/** Ten minutes: twice the 300 s tolerance that receivers must enforce, so no clock skew excuses it. */
export const SKEW_SECONDS = 600;

/** The identity of one delivery, kept across its attempts. */
export interface DeliveryIdentity {
  eventType: EventType;
  eventId: string;
  deliveryId: string;
}

/** Builds a fresh event of a type together with a new delivery id. */
export function freshDelivery(eventType: EventType): BuiltEvent & DeliveryIdentity {
  const built = buildEvent(eventType);
  return { ...built, eventType, eventId: String(built.event.id), deliveryId: newDeliveryId() };
}

/**
 * Builds the contract headers of one attempt. `signature` undefined leaves the signature
 * header out, for the case that checks a receiver rejects an unsigned delivery.
 */
export function deliveryHeaders(identity: DeliveryIdentity, signature: string | undefined, attempt = 1): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-7stamp-Event': identity.eventType,
    'X-7stamp-Event-Id': identity.eventId,
    'X-7stamp-Delivery-Id': identity.deliveryId,
    'X-7stamp-Attempt': String(attempt),
  };
  if (signature !== undefined) headers[SIGNATURE_HEADER] = signature;
  return headers;
}

/** Returns the current Unix time in seconds, the `t` of a signature made now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Creates a random secret that no receiver has, in the same `whsec_` form as a real one. */
export function unknownSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** Builds a correctly signed attempt of a delivery, with the body bytes as given. */
export function signedProbe(identity: DeliveryIdentity, body: Buffer, secret: string, attempt = 1): Probe {
  return { headers: deliveryHeaders(identity, signPayload(body, secret), attempt), body };
}

/** Returns the hex `v1` of a body for one secret and timestamp. */
export function v1(secret: string, timestamp: number, body: Buffer): string {
  return computeSignature(secret, timestamp, body);
}
