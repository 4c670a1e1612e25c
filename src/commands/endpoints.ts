import type { Command } from 'commander';
import { addApiOptions, apiFlags, parseLimit, type ApiFlags } from '../api/options.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { out } from '../output/color.js';
import { canPrompt, globalOptions, info, printJson, printLine } from '../output/context.js';

type Flags = ApiFlags & Record<string, unknown>;

/** Registers `stamp7 endpoints` and its subcommands. */
export function register(program: Command): void {
  const endpoints = program
    .command('endpoints')
    .description('manage the webhook endpoints of the account: list, add, show, update, enable, disable, remove, rotate-secret, ping');

  addApiOptions(endpoints.command('list').description('list the endpoints'))
    .option('--limit <n>', 'show at most this many endpoints', '100')
    .action(async (options: Flags & { limit: string }) => {
      const limit = parseLimit(options.limit);
      const { listEndpoints } = await import('../endpoints/manage.js');
      const list = await listEndpoints(apiFlags(options), limit);
      if (globalOptions().json) return printJson({ data: list });
      const { formatEndpointTable } = await import('../endpoints/render.js');
      printLine(formatEndpointTable(list, out()));
    });

  addApiOptions(endpoints.command('add').description('add an endpoint; its secret is shown once').argument('<url>', 'the https:// URL that receives the events'))
    .option('--events <types>', 'event types separated by commas, or "all" (a terminal offers a list when left out)')
    .option('--description <text>', 'a note for people, such as "CRM sync"')
    .action(async (url: string, options: Flags & { events?: string; description?: string }) => {
      const { checkEndpointUrl } = await import('../endpoints/url.js');
      const { parseEventsOption, promptEventTypes, ALL_EVENTS } = await import('../endpoints/event-filter.js');
      const checkedUrl = checkEndpointUrl(url);
      let events: string[];
      if (options.events !== undefined) events = parseEventsOption(options.events);
      else if (canPrompt() && !globalOptions().json) events = await promptEventTypes();
      else {
        events = [ALL_EVENTS];
        info('No --events given: the endpoint receives every event type. Narrow it with stamp7 endpoints update ID --events TYPES');
      }

      const { addEndpoint } = await import('../endpoints/manage.js');
      const endpoint = await addEndpoint(apiFlags(options), { url: checkedUrl, events, description: options.description });
      if (globalOptions().json) return printJson(endpoint);
      const { formatEndpoint } = await import('../endpoints/render.js');
      printLine(formatEndpoint(endpoint, out()));
      info(`Store the secret in your app now. Other commands show it masked; stamp7 endpoints show ${endpoint.id} --reveal-secret prints it in full.`);
    });

  addApiOptions(endpoints.command('show').description('show one endpoint, with its secret masked').argument('<id>', 'the endpoint id (we_…)'))
    .option('--reveal-secret', 'print the full secret, and the previous one while it still signs')
    .action(async (id: string, options: Flags & { revealSecret?: boolean }) => {
      const { showEndpoint } = await import('../endpoints/manage.js');
      const { endpoint, secrets } = await showEndpoint(apiFlags(options), id, options.revealSecret === true);
      if (globalOptions().json) return printJson(secrets ? { ...endpoint, secret: secrets.secret, previous_secrets: secrets.previous_secrets } : endpoint);
      const { formatEndpoint } = await import('../endpoints/render.js');
      printLine(formatEndpoint(endpoint, out(), secrets));
    });

  addApiOptions(endpoints.command('update').description('change the URL, events or description of an endpoint').argument('<id>', 'the endpoint id (we_…)'))
    .option('--url <url>', 'the new https:// URL')
    .option('--events <types>', 'the new event types separated by commas, or "all"')
    .option('--description <text>', 'the new description')
    .action(async (id: string, options: Flags & { url?: string; events?: string; description?: string }) => {
      const { checkEndpointUrl } = await import('../endpoints/url.js');
      const { parseEventsOption } = await import('../endpoints/event-filter.js');
      const changes: { url?: string; events?: string[]; description?: string } = {};
      if (options.url !== undefined) changes.url = checkEndpointUrl(options.url, '--url');
      if (options.events !== undefined) changes.events = parseEventsOption(options.events);
      if (options.description !== undefined) changes.description = options.description;
      if (Object.keys(changes).length === 0) {
        throw usageError('nothing to update', 'pass at least one of --url, --events and --description; enable and disable are their own subcommands', 'nothing_to_update');
      }
      await printUpdated(id, options, changes);
    });

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    addApiOptions(
      endpoints
        .command(name)
        .description(enabled ? 'resume deliveries to an endpoint' : 'pause deliveries to an endpoint, keeping its settings')
        .argument('<id>', 'the endpoint id (we_…)'),
    ).action(async (id: string, options: Flags) => printUpdated(id, options, { enabled }));
  }

  addApiOptions(endpoints.command('remove').description('delete an endpoint; asks first on a terminal').argument('<id>', 'the endpoint id (we_…)'))
    .option('-y, --yes', 'delete without asking (required without a terminal)')
    .action(async (id: string, options: Flags & { yes?: boolean }) => {
      if (options.yes !== true) {
        if (!canPrompt()) {
          throw usageError(`not removing ${id} without confirmation`, `pass --yes to remove it without a prompt`, 'confirmation_required');
        }
        const { promptConfirm } = await import('../account/prompts.js');
        if (!(await promptConfirm(`Delete endpoint ${id}? Deliveries to it stop at once.`))) {
          throw new CliError(`not removed: ${id} stays`, { exitCode: ExitCode.failure, code: 'declined' });
        }
      }
      const { removeEndpoint } = await import('../endpoints/manage.js');
      const result = await removeEndpoint(apiFlags(options), id);
      if (globalOptions().json) return printJson(result);
      printLine(`Removed endpoint ${result.id}`);
    });

  addApiOptions(endpoints.command('rotate-secret').description('replace the signing secret; the old one keeps signing for a grace period').argument('<id>', 'the endpoint id (we_…)'))
    .option('--grace <duration>', 'how long the old secret keeps signing, such as 24h, 30m or 0 (default 24h)')
    .action(async (id: string, options: Flags & { grace?: string }) => {
      const { parseDuration } = await import('../output/duration.js');
      const graceSeconds = options.grace === undefined ? undefined : Math.round(parseDuration(options.grace, '--grace') / 1000);
      const { rotateSecret } = await import('../endpoints/manage.js');
      const endpoint = await rotateSecret(apiFlags(options), id, graceSeconds);
      if (globalOptions().json) return printJson(endpoint);
      const { formatEndpoint } = await import('../endpoints/render.js');
      printLine(formatEndpoint(endpoint, out()));
      const until = endpoint.previous_secret_expires_at;
      info(until ? `The old secret keeps working until ${until}; both sign every delivery until then.` : 'The old secret stopped working now.');
      info('Store the new secret in your app now. Other commands show it masked unless you pass --reveal-secret.');
    });

  addApiOptions(endpoints.command('ping').description('send a ping event to an endpoint and print the delivery result').argument('<id>', 'the endpoint id (we_…)')).action(
    async (id: string, options: Flags) => {
      const { pingEndpoint } = await import('../endpoints/manage.js');
      const result = await pingEndpoint(apiFlags(options), id);
      if (globalOptions().json) printJson(result);
      else {
        const { formatPingResult } = await import('../endpoints/render.js');
        printLine(formatPingResult(result, out()));
      }
      if (result.delivery.status !== 'ok') {
        throw new CliError(`the ping to ${id} did not succeed (delivery ${result.delivery.id} is ${result.delivery.status})`, {
          exitCode: ExitCode.failure,
          code: 'ping_failed',
          hint: `see its attempts with stamp7 deliveries show ${result.delivery.id}`,
        });
      }
    },
  );
}

async function printUpdated(id: string, options: Flags, changes: Record<string, unknown>): Promise<void> {
  const { updateEndpoint } = await import('../endpoints/manage.js');
  const endpoint = await updateEndpoint(apiFlags(options), id, changes);
  if (globalOptions().json) return printJson(endpoint);
  const { formatEndpoint } = await import('../endpoints/render.js');
  printLine(formatEndpoint(endpoint, out()));
}
