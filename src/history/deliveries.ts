import { createApiClient } from '../api/client.js';
import type { ApiFlags } from '../api/options.js';
import type { Delivery } from '../api/types.js';
import { withSpinner } from '../account/prompts.js';
import { usageError } from '../errors.js';

/** The account's deliveries over the API. */

export const DELIVERY_STATUSES = ['pending', 'ok', 'failed'] as const;

export interface DeliveryQuery {
  endpointId?: string | undefined;
  eventId?: string | undefined;
  status?: string | undefined;
  limit: number;
}

export async function listDeliveries(flags: ApiFlags, query: DeliveryQuery): Promise<Delivery[]> {
  const api = await createApiClient(flags);
  const filters = { endpoint_id: query.endpointId, event_id: query.eventId, status: query.status };
  return withSpinner('Fetching deliveries', async () => {
    const deliveries: Delivery[] = [];
    for await (const delivery of api.paginate<Delivery>('/v1/deliveries', filters, query.limit)) deliveries.push(delivery);
    return deliveries;
  });
}

/** Fetches one delivery with its attempts. */
export async function getDelivery(flags: ApiFlags, id: string): Promise<Delivery> {
  const api = await createApiClient(flags);
  return api.get<Delivery>(`/v1/deliveries/${encodeURIComponent(id)}`);
}

export function parseStatusOption(text: string): string {
  const status = text.trim().toLowerCase();
  if ((DELIVERY_STATUSES as readonly string[]).includes(status)) return status;
  throw usageError(`invalid --status "${text}"`, `pass one of ${DELIVERY_STATUSES.join(', ')}`, 'invalid_status');
}
