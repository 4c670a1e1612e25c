import { SIGNATURE_HEADER } from '../signing/index.js';
import { tamperBody } from './bodies.js';
import { deliveryHeaders, freshDelivery, nowSeconds, SKEW_SECONDS, unknownSecret, v1 } from './probe.js';
import type { CaseContext, CheckCase, Probe } from './types.js';

const FORGED = 'your endpoint accepts forged deliveries';

/** Builds a probe of a fresh delivery of the context's first event type, with a signature made by `sign`. */
function forgedProbe(context: CaseContext, sign: (body: Buffer, secret: string) => string | undefined, alterBody?: (body: Buffer, eventId: string) => Buffer): () => Probe {
  return () => {
    const delivery = freshDelivery(context.eventTypes[0]!);
    const signature = sign(delivery.body, context.secret);
    const body = alterBody ? alterBody(delivery.body, delivery.eventId) : delivery.body;
    return { headers: deliveryHeaders(delivery, signature), body };
  };
}

/**
 * The cases a receiver must reject with a 4xx. Each sends a delivery that is not what the
 * platform would sign, so a 2xx means the endpoint would act on a forged delivery.
 */
export function forgedCases(context: CaseContext): CheckCase[] {
  const signedNow = (body: Buffer, secret: string): string => signedAt(body, secret, nowSeconds());

  return [
    {
      id: 'forged.tampered_body',
      group: 'forged',
      title: 'tampered body (one byte changed after signing)',
      expect: 'reject',
      probes: [{ label: 'the tampered delivery', build: forgedProbe(context, signedNow, tamperBody) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a body that was changed after signing`,
        fix: 'compute the HMAC over the raw body bytes as received and compare it with each v1 value (verifySignature from stamp7 does both)',
      },
    },
    {
      id: 'forged.wrong_secret',
      group: 'forged',
      title: 'signed with a secret the endpoint does not have',
      expect: 'reject',
      probes: [{ label: 'the delivery', build: forgedProbe(context, (body) => signedNow(body, unknownSecret())) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a signature made with an unknown secret`,
        fix: 'compare the v1 values with an HMAC computed from your endpoint secret; checking that the header is present proves nothing',
      },
    },
    {
      id: 'forged.missing_signature',
      group: 'forged',
      title: `no ${SIGNATURE_HEADER} header`,
      expect: 'reject',
      probes: [{ label: 'the delivery', build: forgedProbe(context, () => undefined) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a delivery without a signature header`,
        fix: `respond with 400 when the ${SIGNATURE_HEADER} header is missing, before reading the body`,
      },
    },
    {
      id: 'forged.malformed_header',
      group: 'forged',
      title: 'malformed signature header (a v1 part without a value)',
      expect: 'reject',
      probes: [{ label: 'the delivery', build: forgedProbe(context, () => `t=${nowSeconds()},v1`) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a signature header that does not parse`,
        fix: 'parse the header strictly (comma-separated key=value parts, t as digits, v1 as 64 hex digits) and respond with 400 to anything else',
      },
      serverErrorFix: 'your header parser probably throws on a part without "=": treat such a header as invalid and respond with 400',
    },
    {
      id: 'forged.short_v1',
      group: 'forged',
      title: 'v1 of the wrong length (the first 32 of 64 hex digits)',
      expect: 'reject',
      probes: [
        {
          label: 'the delivery',
          build: forgedProbe(context, (body, secret) => {
            const timestamp = nowSeconds();
            return `t=${timestamp},v1=${v1(secret, timestamp, body).slice(0, 32)}`;
          }),
        },
      ],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a truncated v1 signature`,
        fix: 'compare the whole 64-digit value in constant time; a prefix or startsWith comparison accepts a truncated signature',
      },
      serverErrorFix: 'crypto.timingSafeEqual throws a RangeError when the two lengths differ: check the length first and respond with 400',
    },
    {
      id: 'forged.stale_timestamp',
      group: 'forged',
      title: 'timestamp 10 minutes old',
      expect: 'reject',
      probes: [{ label: 'the delivery', build: forgedProbe(context, (body, secret) => signedAt(body, secret, nowSeconds() - SKEW_SECONDS)) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a delivery signed 10 minutes ago, so a captured delivery can be replayed`,
        fix: 'reject a t more than 300 s away from your clock (verifySignature does this by default)',
      },
    },
    {
      id: 'forged.future_timestamp',
      group: 'forged',
      title: 'timestamp 10 minutes in the future',
      expect: 'reject',
      probes: [{ label: 'the delivery', build: forgedProbe(context, (body, secret) => signedAt(body, secret, nowSeconds() + SKEW_SECONDS)) }],
      wrongAnswer: {
        reason: `${FORGED}: it accepted a delivery signed 10 minutes in the future`,
        fix: 'check the distance between t and your clock in both directions: reject when |now - t| > 300 s',
      },
    },
  ];
}

function signedAt(body: Buffer, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${v1(secret, timestamp, body)}`;
}
