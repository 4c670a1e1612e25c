import { nonAsciiBody, prettyBody } from './bodies.js';
import { forgedCases } from './forged.js';
import { deliveryHeaders, freshDelivery, nowSeconds, signedProbe, unknownSecret, v1 } from './probe.js';
import type { CaseContext, CheckCase, WrongAnswerText } from './types.js';

const RAW_BODY_FIX =
  'verify the raw request bytes before parsing them: express.raw({ type: "application/json" }), a Fastify content-type parser with parseAs: "buffer", or the node:http chunks joined as a Buffer';

/** Builds the whole battery, in the order it is reported. */
export function buildCases(context: CaseContext): CheckCase[] {
  return [...deliveryCases(context), ...forgedCases(context), rotationCase(context), idempotencyCase(context), ...bodyCases(context)];
}

/** Builds one case per event type under test, each a correctly signed delivery. */
function deliveryCases(context: CaseContext): CheckCase[] {
  return context.eventTypes.map((eventType) => ({
    id: `delivery.${eventType}`,
    group: 'delivery',
    title: `signed ${eventType} delivery`,
    expect: 'accept',
    probes: [
      {
        label: 'the delivery',
        build: () => {
          const delivery = freshDelivery(eventType);
          return signedProbe(delivery, delivery.body, context.secret);
        },
      },
    ],
    wrongAnswer: {
      reason: `your endpoint rejected a correctly signed ${eventType} delivery`,
      fix: 'verify with the endpoint secret (whsec_…) over the raw body, and respond with 2xx for every subscribed event type, including types your app ignores',
    },
  }));
}

function rotationCase(context: CaseContext): CheckCase {
  return {
    id: 'rotation.unknown_then_valid_v1',
    group: 'rotation',
    title: 'rotation header: an unknown v1 first, then a valid v1',
    expect: 'accept',
    probes: [
      {
        label: 'the delivery',
        build: () => {
          // During a rotation the newest secret signs first; a receiver that still has only
          // the older secret must find its match in the second v1.
          const delivery = freshDelivery(context.eventTypes[0]!);
          const timestamp = nowSeconds();
          const signature = `t=${timestamp},v1=${v1(unknownSecret(), timestamp, delivery.body)},v1=${v1(context.secret, timestamp, delivery.body)}`;
          return { headers: deliveryHeaders(delivery, signature), body: delivery.body };
        },
      },
    ],
    wrongAnswer: {
      reason: 'your endpoint rejected a delivery signed during a secret rotation: it seems to check only the first v1',
      fix: 'accept the delivery when any v1 value matches: during a rotation the header carries one v1 per valid secret',
    },
  };
}

function idempotencyCase(context: CaseContext): CheckCase {
  // Both attempts share one event: the retry keeps the body, event id and delivery id, and
  // gets attempt 2 with a fresh timestamp and signature, as the platform's retries do.
  let delivery: ReturnType<typeof freshDelivery> | undefined;
  const first = (): ReturnType<typeof freshDelivery> => {
    delivery ??= freshDelivery(context.eventTypes[0]!);
    return delivery;
  };
  const retryWrong: WrongAnswerText = {
    reason: 'your endpoint rejected a retry of an event it had already accepted',
    fix: 'respond with 2xx for an event id you have already processed and skip the work: the platform retries until it gets a 2xx',
  };

  return {
    id: 'idempotency.same_event_twice',
    group: 'idempotency',
    title: 'the same event delivered twice (a retry)',
    expect: 'accept',
    probes: [
      { label: 'the first attempt', build: () => signedProbe(first(), first().body, context.secret, 1) },
      { label: 'the retry', build: () => signedProbe(first(), first().body, context.secret, 2), wrongAnswer: retryWrong },
    ],
    wrongAnswer: {
      reason: 'your endpoint rejected a correctly signed delivery',
      fix: 'verify with the endpoint secret over the raw body and respond with 2xx',
    },
  };
}

function bodyCases(context: CaseContext): CheckCase[] {
  return [
    {
      id: 'body.non_ascii',
      group: 'body',
      title: 'non-ASCII, emoji-rich body with \\u escapes and \\/',
      expect: 'accept',
      probes: [
        {
          label: 'the delivery',
          build: () => {
            const delivery = freshDelivery(context.eventTypes[0]!);
            const { body } = nonAsciiBody(delivery.event);
            return signedProbe(delivery, body, context.secret);
          },
        },
      ],
      wrongAnswer: {
        reason: 'your endpoint rejected a correctly signed non-ASCII body: it likely verifies a re-serialised body, or decodes the bytes as something other than UTF-8',
        fix: RAW_BODY_FIX,
      },
    },
    {
      id: 'body.pretty_printed',
      group: 'body',
      title: 'pretty-printed body (indented, final newline)',
      expect: 'accept',
      probes: [
        {
          label: 'the delivery',
          build: () => {
            const delivery = freshDelivery(context.eventTypes[0]!);
            return signedProbe(delivery, prettyBody(delivery.event), context.secret);
          },
        },
      ],
      wrongAnswer: {
        reason: 'your endpoint rejected a correctly signed pretty-printed body: it likely verifies a re-serialised body, not the bytes it received',
        fix: RAW_BODY_FIX,
      },
    },
  ];
}
