import { buildEvent } from '../../events/build.js';
import type { SandboxContext } from '../context.js';
import { createEndpointDelivery } from '../deliveries.js';
import type { DeliveryRecord, EndpointRecord } from '../model.js';
import { deliveryView, eventView } from '../views.js';

/** How long a ping waits for its first attempt before it responds with the delivery still pending. */
export const PING_WAIT_MS = 15_000;

/** Arms new deliveries once the journal contains them, so nothing is sent that a crash could forget. */
export async function armAfterFlush(sandbox: SandboxContext, deliveries: DeliveryRecord[]): Promise<void> {
  await sandbox.store.flush();
  for (const delivery of deliveries) sandbox.engine.schedule(delivery);
}

/** Sends a `ping` event to one endpoint and waits for its first attempt. */
export async function pingEndpoint(sandbox: SandboxContext, endpoint: EndpointRecord): Promise<Record<string, unknown>> {
  const built = buildEvent('ping', { set: [['endpoint_id', endpoint.id]] });
  const event = sandbox.store.addEvent({ id: String(built.event.id), type: 'ping', created_at_ms: Date.now(), body: built.body });
  const delivery = createEndpointDelivery(sandbox.store, event, endpoint, sandbox.timeScale);
  const attempted = sandbox.engine.waitForAttempt(delivery.id, PING_WAIT_MS);
  await armAfterFlush(sandbox, [delivery]);
  await attempted;
  return { event: eventView(event), delivery: deliveryView(delivery, true) };
}
