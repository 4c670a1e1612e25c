import { Option, type Command } from 'commander';
import type { RawListenFlags } from '../tunnel/flags.js';

interface ListenCommandOptions extends RawListenFlags {
  profile?: string;
  apiBase?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds the flags `listen` and `dev` share. */
export function addListenFlags(command: Command): Command {
  return command
    .option('-f, --forward <target>', 'local URL to forward deliveries to: 3000, :3000, host:port or a full URL (path and query are kept)')
    .option('-H, --header <header>', "add a header to every forwarded request, as 'Name: value' (repeatable)", collect)
    .option('--timeout <duration>', 'time the local app has to answer, such as 10s', '10s')
    .option('--concurrency <n>', 'deliveries in flight at once; 1 keeps them in order', '1')
    .option('--events <types>', 'comma-separated event types to receive (default: all)')
    .option('--route <event=url>', 'send one event type to another local URL (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format (default: json when stdout is not a terminal)').choices(['text', 'json']))
    .option('--print-secret', 'print the signing secret of the session and exit')
    .option('--record <file>', 'write every delivery (exact body, headers, outcome) to an NDJSON file')
    .option('--exit-after <n>', 'stop after forwarding this many deliveries')
    .option('--wait-for <event>', 'stop after forwarding a delivery of this event type')
    .option('--max-duration <duration>', 'stop after this long, such as 60s');
}

export function register(program: Command): void {
  const command = program
    .command('listen')
    .description('forward live deliveries to a local app, showing signatures and timing')
    .option('--profile <name>', 'the profile (account) to use')
    .option('--api-base <url>', 'the API base URL');
  addListenFlags(command)
    .addHelpText('after', `
Examples:
  stamp7 listen --forward localhost:3000/webhooks
  stamp7 listen --forward 3000 --events voucher_redeemed,stamp_added
  stamp7 listen --forward 3000 --exit-after 1 --max-duration 60s   # in CI

Exit codes: 0 every forwarded delivery got a 2xx; 1 one did not, or the stop condition
was not met; 2 invalid flags; 4 the API key or token was rejected; 6 the relay is
unreachable; 130 stopped with Ctrl-C.`)
    .action(async (options: ListenCommandOptions) => {
      const { parseListenFlags } = await import('../tunnel/flags.js');
      const flags = parseListenFlags(options);

      const [{ createApiClient }, { ensureDeviceId }, { createSessionApi }, { runListenCommand }] = await Promise.all([
        import('../api/client.js'),
        import('../config/index.js'),
        import('../tunnel/api.js'),
        import('../tunnel/run.js'),
      ]);
      const client = await createApiClient({ profile: options.profile, apiBase: options.apiBase });
      const api = createSessionApi(client, { events: flags.events, deviceId: await ensureDeviceId() });
      const exitCode = await runListenCommand(flags, api);
      // Ctrl-C is not an error, so it sets the documented code here instead of throwing.
      if (exitCode !== 0) process.exitCode = exitCode;
    });
}
