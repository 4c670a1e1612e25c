// A 7stamp webhook receiver on Fastify: a JSON parser with parseAs 'buffer', scoped to the
// webhook route, keeps the exact bytes received so the signature can be verified over them.
import Fastify from 'fastify';
import { verifySignature } from 'stamp7';

const secret = process.env.STAMP7_WEBHOOK_SECRET;
if (!secret) {
  console.error('STAMP7_WEBHOOK_SECRET is not set: export the endpoint secret (whsec_…) first');
  process.exit(1);
}
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const WEBHOOK_PATH = '/webhooks/7stamp';

// Event ids already handled, oldest first. The platform retries until it gets a 2xx, so the
// same event can arrive more than once. An in-memory set works for one process only:
// production with several instances or restarts needs a shared store, such as a unique
// key in the database or Redis SET NX with an expiry of a few days.
const MAX_REMEMBERED_EVENTS = 10_000;
const handledEventIds = new Set();

function rememberEvent(eventId) {
  if (handledEventIds.has(eventId)) return false;
  handledEventIds.add(eventId);
  if (handledEventIds.size > MAX_REMEMBERED_EVENTS) handledEventIds.delete(handledEventIds.values().next().value);
  return true;
}

// The business logic. It runs after the response is sent, so slow work never breaks the 10 s budget.
function handleEvent(event) {
  console.log(`handled ${event.event} ${event.id}`);
}

const app = Fastify();

// A plugin is its own encapsulation context, so replacing the JSON parser here leaves the
// parsed JSON bodies of the app's other routes as they are.
await app.register(async (webhooks) => {
  webhooks.removeContentTypeParser('application/json');
  webhooks.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));

  webhooks.post(WEBHOOK_PATH, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = verifySignature({ body, header: request.headers['x-7stamp-signature'], secret });
    if (!result.ok) return reply.code(400).send({ error: result.reason });

    let event;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: 'invalid_json' });
    }

    if (!rememberEvent(event.id)) return reply.code(200).send({ received: true, duplicate: true });
    setImmediate(() => handleEvent(event));
    return reply.code(200).send({ received: true });
  });
});

const address = await app.listen({ port, host });
console.log(`listening on ${address}${WEBHOOK_PATH}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => app.close().then(() => process.exit(0)));
}
