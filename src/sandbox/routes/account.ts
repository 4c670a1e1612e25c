import { EVENT_DESCRIPTIONS, EVENT_TYPES } from '../../events/catalog.js';
import { ok, type RequestContext, type Route } from '../context.js';
import { checkQuery } from '../validate.js';

/** The business id of the sandbox account, the same as in every event sample. */
export const SANDBOX_BUSINESS_ID = 'b_123';

function health(request: RequestContext) {
  return ok({ status: 'ok', version: request.sandbox.version });
}

function account(request: RequestContext) {
  checkQuery(request.query, []);
  return ok({ id: request.sandbox.accountId, name: 'Sandbox', business_id: SANDBOX_BUSINESS_ID, mode: 'sandbox' });
}

function eventTypes(request: RequestContext) {
  checkQuery(request.query, []);
  return ok({ data: EVENT_TYPES.map((name) => ({ name, description: EVENT_DESCRIPTIONS[name] })) });
}

export const accountRoutes: Route[] = [
  { pattern: /^\/v1\/health$/, methods: { GET: health }, auth: false },
  { pattern: /^\/v1\/account$/, methods: { GET: account } },
  { pattern: /^\/v1\/event_types$/, methods: { GET: eventTypes } },
];
