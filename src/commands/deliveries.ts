import type { Command } from 'commander';
import { addApiOptions, apiFlags, parseLimit, type ApiFlags } from '../api/options.js';
import { out } from '../output/color.js';
import { globalOptions, printJson, printLine } from '../output/context.js';

/** Registers `stamp7 deliveries`: list deliveries and show one with its attempts. */
export function register(program: Command): void {
  const deliveries = program.command('deliveries').description('list deliveries and their attempts');

  addApiOptions(deliveries.command('list').description('list deliveries, newest first, with attempts, last status, duration and next retry'))
    .option('--endpoint <id>', 'only deliveries to this endpoint (we_…)')
    .option('--event <id>', 'only deliveries of this event (evt_…)')
    .option('--status <status>', 'only deliveries in this status: failed, pending or ok')
    .option('--limit <n>', 'show at most this many deliveries', '20')
    .action(async (options: ApiFlags & { endpoint?: string; event?: string; status?: string; limit: string }) => {
      const limit = parseLimit(options.limit);
      const { listDeliveries, parseStatusOption } = await import('../history/deliveries.js');
      const status = options.status === undefined ? undefined : parseStatusOption(options.status);
      const list = await listDeliveries(apiFlags(options), { endpointId: options.endpoint, eventId: options.event, status, limit });
      if (globalOptions().json) return printJson({ data: list });
      const { formatDeliveryTable } = await import('../history/render.js');
      printLine(formatDeliveryTable(list, out()));
    });

  addApiOptions(deliveries.command('show').description('show one delivery with each attempt').argument('<id>', 'the delivery id (dlv_…)')).action(
    async (id: string, options: ApiFlags) => {
      const { getDelivery } = await import('../history/deliveries.js');
      const delivery = await getDelivery(apiFlags(options), id);
      if (globalOptions().json) return printJson(delivery);
      const { formatDelivery } = await import('../history/render.js');
      printLine(formatDelivery(delivery, out()));
    },
  );
}
