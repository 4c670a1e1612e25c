// A 7stamp webhook receiver on plain node:http: it verifies the signature over the raw body,
// skips events it has already handled, and responds before doing the work.
import { createServer } from 'node:http';
import { verifySignature } from 'stamp7';

const secret = process.env.STAMP7_WEBHOOK_SECRET;
if (!secret) {
  console.error('STAMP7_WEBHOOK_SECRET is not set: export the endpoint secret (whsec_…) first');
  process.exit(1);
}
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const WEBHOOK_PATH = '/webhooks/7stamp';
const MAX_BODY_BYTES = 1024 * 1024;

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

function sendJson(response, status, value) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

// The business logic. It runs after the response is sent, so slow work never breaks the 10 s budget.
function handleEvent(event) {
  console.log(`handled ${event.event} ${event.id}`);
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== WEBHOOK_PATH) {
    sendJson(response, 404, { error: 'not_found' });
    return;
  }

  const chunks = [];
  let size = 0;
  request.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      sendJson(response, 413, { error: 'payload_too_large' });
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });

  request.on('end', () => {
    // Verify the exact bytes received: parsing and serialising again would change them.
    const body = Buffer.concat(chunks);
    const result = verifySignature({ body, header: request.headers['x-7stamp-signature'], secret });
    if (!result.ok) {
      sendJson(response, 400, { error: result.reason });
      return;
    }

    let event;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(response, 400, { error: 'invalid_json' });
      return;
    }

    if (!rememberEvent(event.id)) {
      sendJson(response, 200, { received: true, duplicate: true });
      return;
    }
    sendJson(response, 200, { received: true });
    setImmediate(() => handleEvent(event));
  });
});

server.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}${WEBHOOK_PATH}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
