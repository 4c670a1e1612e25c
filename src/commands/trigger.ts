import type { Command } from 'commander';
import { addApiOptions } from '../api/options.js';
import type { TriggerCommandOptions } from '../trigger/options.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function register(program: Command): void {
  const command = program
    .command('trigger')
    .argument('[event]', 'event type or alias, such as voucher_redeemed or birthday (see --list)')
    .description('fire a signed sample event at a URL, or create one through the platform API')
    .option('--url <url>', 'send the delivery straight to this URL (http or https)')
    .option('--secret <secret>', 'webhook secret to sign with; repeat to send one v1= per secret (default: STAMP7_WEBHOOK_SECRET, else the local secret)', collect)
    .option('--header <header>', "extra header 'Name: value', repeatable; replaces a contract header of the same name", collect)
    .option('--set <path=value>', 'change a field of the sample, such as voucher.status=expired (JSON values are parsed), repeatable', collect)
    .option('--unset <path>', 'remove a field of the sample, repeatable', collect)
    .option('--add-missing', 'let --set add fields the sample does not have')
    .option('--data <source>', 'send these exact bytes instead of a sample: @file.json, - for stdin, or inline JSON')
    .option('--timeout <duration>', 'time allowed per delivery, such as 10s or 500ms', '10s')
    .option('--count <n>', 'number of deliveries, each a fresh event', '1')
    .option('--concurrency <n>', 'deliveries in flight at once (keep-alive connections)', '1')
    .option('--expect <statuses>', 'statuses that count as success, such as 2xx, 200 or 401,403 (default 2xx)')
    .option('--max-latency <duration>', 'fail when any delivery takes longer, such as 2s')
    .option('--verbose', 'print request and response headers, and every response body')
    .option('--list', 'list the event types with a description each, then exit')
    .option('--print-secret', 'print the signing secret in full')
    .option('--wait', 'without --url: wait for the deliveries of the created event and print each outcome')
    .addHelpText(
      'after',
      `
Examples:
  stamp7 trigger voucher_redeemed --url http://localhost:3000/webhooks
  stamp7 trigger stamp_added --url http://localhost:3000/webhooks --set customer.language=de
  stamp7 trigger ping --url http://localhost:3000/webhooks --count 500 --concurrency 16
  stamp7 trigger --data @captured.json --url http://localhost:3000/webhooks --expect 2xx
  stamp7 trigger --list
  stamp7 trigger voucher_redeemed --wait    (no --url: created through the platform API)

Exit codes: 0 every delivery met --expect (2xx by default) and --max-latency,
1 a delivery got another status or was too slow, 2 invalid input,
6 a delivery got no HTTP answer (refused, reset, timed out, host not found).`,
    );
  addApiOptions(command).action(async (event: string | undefined, options: TriggerCommandOptions) => {
    const { runTriggerCommand } = await import('../trigger/command.js');
    await runTriggerCommand(event, options);
  });
}
