import type { Command } from 'commander';
import { addApiOptions, apiFlags, parseLimit, type ApiFlags } from '../api/options.js';
import { out } from '../output/color.js';
import { globalOptions, info, printJson, printLine } from '../output/context.js';

/** Registers `stamp7 events`: list, show and resend the account's events. */
export function register(program: Command): void {
  const events = program.command('events').description('list, show and resend the events of the account');

  addApiOptions(events.command('list').description('list events, newest first'))
    .option('--type <type>', 'only events of this type (aliases such as birthday work)')
    .option('--since <when>', 'only events newer than this: a duration back from now (2h, 30m) or an ISO 8601 time')
    .option('--limit <n>', 'show at most this many events', '20')
    .action(async (options: ApiFlags & { type?: string; since?: string; limit: string }) => {
      const limit = parseLimit(options.limit);
      const { listEvents, parseSinceOption, parseTypeOption } = await import('../history/events.js');
      const type = options.type === undefined ? undefined : parseTypeOption(options.type);
      const since = options.since === undefined ? undefined : parseSinceOption(options.since);
      const list = await listEvents(apiFlags(options), { type, since, limit });
      if (globalOptions().json) return printJson({ data: list });
      const { formatEventTable } = await import('../history/render.js');
      printLine(formatEventTable(list, out()));
    });

  addApiOptions(events.command('show').description('print the full body of an event').argument('<id>', 'the event id (evt_…)')).action(
    async (id: string, options: ApiFlags) => {
      const { getEvent } = await import('../history/events.js');
      const event = await getEvent(apiFlags(options), id);
      if (globalOptions().json) return printJson(event);
      const { formatEventBody } = await import('../history/render.js');
      info(`${event.type} ${event.id}, created ${event.created_at}`);
      printLine(formatEventBody(event, process.stdout.isTTY === true));
    },
  );

  addApiOptions(events.command('resend').description('deliver an event again, as a new delivery').argument('<id>', 'the event id (evt_…)'))
    .option('--endpoint <id>', 'send it to this endpoint only (default: every enabled endpoint subscribed to its type)')
    .action(async (id: string, options: ApiFlags & { endpoint?: string }) => {
      const { resendEvent } = await import('../history/events.js');
      const deliveries = await resendEvent(apiFlags(options), id, options.endpoint);
      if (globalOptions().json) return printJson({ deliveries });
      if (deliveries.length === 0) {
        printLine(`No endpoint is subscribed to this event, so nothing was sent. Pass --endpoint ID to send it to one anyway.`);
        return;
      }
      for (const delivery of deliveries) printLine(`Queued delivery ${delivery.id} of ${delivery.event_id} to ${delivery.endpoint_id ?? delivery.listen_session_id} (${delivery.url ?? '-'})`);
      info('Follow them with stamp7 deliveries list --event ' + id);
    });
}
