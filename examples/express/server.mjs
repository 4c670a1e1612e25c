// A 7stamp webhook receiver on Express: express.raw() keeps the body as the exact bytes
// received, the signature is verified over them, and repeated events are skipped.
import express from 'express';
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

const app = express();

// express.raw() only on this route: an app-wide express.json() would parse the body first,
// and a parsed body cannot be verified.
app.post(WEBHOOK_PATH, express.raw({ type: 'application/json', limit: '1mb' }), (request, response) => {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const result = verifySignature({ body, header: request.get('x-7stamp-signature'), secret });
  if (!result.ok) {
    response.status(400).json({ error: result.reason });
    return;
  }

  let event;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    response.status(400).json({ error: 'invalid_json' });
    return;
  }

  if (!rememberEvent(event.id)) {
    response.status(200).json({ received: true, duplicate: true });
    return;
  }
  response.status(200).json({ received: true });
  setImmediate(() => handleEvent(event));
});

const server = app.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}${WEBHOOK_PATH}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
