import { ok, type RequestContext, type Route } from '../context.js';
import { pageAnswer, readPage } from '../pagination.js';
import { deliveryView } from '../views.js';
import { checkQuery, invalid, notFound } from '../validate.js';

const STATUSES = ['pending', 'ok', 'failed'];

function list(request: RequestContext) {
  const query = request.query;
  checkQuery(query, ['limit', 'cursor', 'event_id', 'endpoint_id', 'status']);
  const { limit, beforeSeq } = readPage(query);
  const eventId = query.get('event_id');
  const endpointId = query.get('endpoint_id');
  const status = query.get('status');
  if (status !== null && !STATUSES.includes(status)) throw invalid('status', `"status" must be one of ${STATUSES.join(', ')}, not "${status.slice(0, 40)}"`);

  const { store } = request.sandbox;
  // With an event id, only that event's deliveries need a look.
  if (eventId !== null) {
    const matching = store
      .deliveriesOfEvent(eventId)
      .filter((delivery) => delivery.seq < beforeSeq && (endpointId === null || delivery.endpoint_id === endpointId) && (status === null || delivery.status === status))
      .sort((a, b) => b.seq - a.seq);
    return ok(pageAnswer({ items: matching.slice(0, limit), hasMore: matching.length > limit }, (delivery) => deliveryView(delivery)));
  }
  const page = store.deliveryList.page(limit, beforeSeq, (delivery) => (endpointId === null || delivery.endpoint_id === endpointId) && (status === null || delivery.status === status));
  return ok(pageAnswer(page, (delivery) => deliveryView(delivery)));
}

function get(request: RequestContext) {
  checkQuery(request.query, []);
  const id = request.params[0]!;
  const delivery = request.sandbox.store.deliveries.get(id);
  if (delivery === undefined) throw notFound('delivery', id);
  return ok(deliveryView(delivery, true));
}

export const deliveryRoutes: Route[] = [
  { pattern: /^\/v1\/deliveries$/, methods: { GET: list } },
  { pattern: /^\/v1\/deliveries\/([^/]+)$/, methods: { GET: get } },
];
