import { CliError, ExitCode, usageError } from '../errors.js';
import type { Delivery, PlatformEvent } from '../api/types.js';
import type { EventType } from './catalog.js';

/**
 * The options `stamp7 trigger` passes when no `--url` is given: the raw command options
 * (strings as typed, repeatable flags as arrays), the resolved event type, and `--json`.
 */
export interface TriggerApiOptions {
  /** The resolved event type; undefined only when `--data` supplies the body. */
  event: EventType | string | undefined;
  json: boolean;
  /** `path=value` strings as typed, or pairs already parsed. */
  set?: Array<string | [string, unknown]>;
  unset?: string[];
  addMissing?: boolean;
  /** `@file`, `-` or inline JSON, as typed; sent as the whole body (`payload`). */
  data?: string;
  /** Poll the event's deliveries and print each outcome. */
  wait?: boolean;
  profile?: string;
  apiBase?: string;
  // The flags below only apply to a delivery straight to --url; they are rejected here.
  secret?: string[];
  header?: string[];
  timeout?: string;
  count?: string;
  concurrency?: string;
  expect?: string;
  maxLatency?: string;
  verbose?: boolean;
  printSecret?: boolean;
}

/**
 * Creates an event through the platform API (`POST /v1/events`), so it reaches every
 * subscribed endpoint and open listen session, and prints its id. With `wait`, polls the
 * deliveries until each settles and prints them; any failed one makes the command exit 1.
 */
export async function runApiTrigger(options: TriggerApiOptions): Promise<void> {
  rejectUrlOnlyFlags(options);
  const body = await buildCreateBody(options);

  const { createApiClient } = await import('../api/client.js');
  const { withSpinner } = await import('../account/prompts.js');
  const { info, printJson, printLine } = await import('../output/context.js');
  const api = await createApiClient({ profile: options.profile, apiBase: options.apiBase });
  const event = await withSpinner('Creating the event', () => api.post<PlatformEvent>('/v1/events', body));

  if (!options.wait) {
    if (options.json) printJson({ event });
    else {
      printLine(event.id);
      info(`Created ${event.type} ${event.id} on ${api.baseUrl}; it goes to every subscribed endpoint and listen session. Follow it with stamp7 deliveries list --event ${event.id}`);
    }
    return;
  }

  const { waitForDeliveries, hasFailed } = await import('../history/wait.js');
  const result = await withSpinner('Waiting for the deliveries', () => waitForDeliveries(api, event.id));
  const failed = result.deliveries.filter(hasFailed);
  if (options.json) printJson({ event, deliveries: result.deliveries, complete: result.complete });
  else await printOutcomes(event, result.deliveries);

  if (result.deliveries.length === 0) {
    info(`No endpoint or listen session is subscribed to ${event.type}, so nothing was delivered. Add one with stamp7 endpoints add URL --events ${event.type}, or run stamp7 listen.`);
  }
  if (!result.complete) {
    throw new CliError(`not every delivery of ${event.id} had an attempt within 30 s`, {
      exitCode: ExitCode.failure,
      code: 'wait_timeout',
      hint: `check again later with stamp7 deliveries list --event ${event.id}`,
    });
  }
  if (failed.length > 0) {
    throw new CliError(`${failed.length} of ${result.deliveries.length} deliveries of ${event.id} failed`, {
      exitCode: ExitCode.failure,
      code: 'delivery_failed',
      hint: `see each attempt with stamp7 deliveries show ${failed[0]!.id}`,
    });
  }
}

async function printOutcomes(event: PlatformEvent, deliveries: Delivery[]): Promise<void> {
  const { formatDeliveryLine } = await import('../output/delivery-line.js');
  const { out } = await import('../output/color.js');
  const { printLine } = await import('../output/context.js');
  printLine(event.id);
  for (const delivery of deliveries) {
    const target = delivery.url ?? (delivery.listen_session_id ? `listen session ${delivery.listen_session_id}` : delivery.endpoint_id ?? '-');
    if (delivery.attempt_count === 0) {
      printLine(`${delivery.event_type} ${delivery.id} to ${target}: no attempt yet`);
      continue;
    }
    printLine(
      formatDeliveryLine(
        {
          time: new Date(delivery.updated_at),
          eventType: delivery.event_type,
          eventId: delivery.event_id,
          method: 'POST',
          url: target,
          statusCode: delivery.last_status_code,
          durationMs: delivery.last_duration_ms ?? 0,
          error: delivery.last_error ?? undefined,
          attempt: delivery.attempt_count,
        },
        out(),
      ),
    );
  }
}

function rejectUrlOnlyFlags(options: TriggerApiOptions): void {
  const urlOnly: Array<[string, boolean]> = [
    ['--secret', options.secret !== undefined && options.secret.length > 0],
    ['--header', options.header !== undefined && options.header.length > 0],
    ['--count', options.count !== undefined && options.count !== '1'],
    ['--concurrency', options.concurrency !== undefined && options.concurrency !== '1'],
    ['--expect', options.expect !== undefined],
    ['--max-latency', options.maxLatency !== undefined],
    ['--print-secret', options.printSecret === true],
  ];
  const given = urlOnly.filter(([, present]) => present).map(([flag]) => flag);
  if (given.length > 0) {
    throw usageError(
      `${given.join(', ')} only apply to a delivery straight to --url`,
      'without --url, the platform signs and delivers the event to the subscribed endpoints; drop those flags or add --url URL',
      'url_only_flag',
    );
  }
}

async function buildCreateBody(options: TriggerApiOptions): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (options.data !== undefined) {
    const { readDataArgument, dataEventType } = await import('../trigger/payload.js');
    const { parsed } = await readDataArgument(options.data);
    body.type = dataEventType(options.event as EventType | undefined, parsed);
    body.payload = parsed;
    return body;
  }
  if (options.event === undefined) throw usageError('missing the event type', 'stamp7 trigger EVENT; stamp7 trigger --list shows the types', 'missing_event');

  body.type = options.event;
  const sets = options.set ?? [];
  if (sets.length > 0) {
    const { parseSetArgument } = await import('./build.js');
    body.set = Object.fromEntries(sets.map((entry) => (typeof entry === 'string' ? parseSetArgument(entry) : entry)));
  }
  if (options.unset !== undefined && options.unset.length > 0) body.unset = options.unset;
  if (options.addMissing) body.add_missing = true;
  return body;
}
