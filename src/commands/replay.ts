import type { Command } from 'commander';

interface ReplayCommandOptions {
  forward: string;
  header?: string[];
  timeout: string;
  resign?: boolean;
  secret?: string;
  events?: string;
  format?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('send the deliveries of a listen --record file again')
    .argument('<file>', 'a recording written by stamp7 listen --record')
    .requiredOption('-f, --forward <target>', 'local URL to send to: 3000, :3000, host:port or a full URL')
    .option('-H, --header <header>', "add a header to every request, as 'Name: value' (repeatable)", collect)
    .option('--timeout <duration>', 'time the app has to answer, such as 10s', '10s')
    .option('--resign', 're-sign each body with --secret and the current time')
    .option('--secret <secret>', 'the signing secret for --resign (default: STAMP7_WEBHOOK_SECRET)')
    .option('--events <types>', 'replay only these comma-separated event types')
    .option('--format <format>', 'text or json (default: json when stdout is not a terminal)')
    .addHelpText('after', `
Without --resign the recorded signatures are sent as they are; receivers reject them once
they are more than 300 s old. Exit codes: 0 every delivery got a 2xx, 1 one did not,
2 invalid flags or recording.`)
    .action(async (file: string, options: ReplayCommandOptions) => {
      const [{ CliError, ExitCode, usageError }, flags, target, recording, { replayRecording }, { Reporter }, { chooseFormat }, { globalOptions }, { parseDuration }] = await Promise.all([
        import('../errors.js'),
        import('../tunnel/flags.js'),
        import('../tunnel/target.js'),
        import('../tunnel/recording.js'),
        import('../tunnel/replay.js'),
        import('../tunnel/report.js'),
        import('../tunnel/run.js'),
        import('../output/context.js'),
        import('../output/duration.js'),
      ]);

      const forward = target.parseForwardTarget(options.forward);
      const headers = (options.header ?? []).map(target.parseHeaderFlag);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const format = flags.parseFormat(options.format);
      const secret = options.secret ?? (process.env.STAMP7_WEBHOOK_SECRET || undefined);
      if (options.resign && secret === undefined) {
        throw usageError('--resign needs a secret', 'pass --secret whsec_… or set STAMP7_WEBHOOK_SECRET', 'missing_secret');
      }
      if (!options.resign && options.secret !== undefined) {
        throw usageError('--secret is only used with --resign', 'add --resign to sign each delivery again with this secret', 'invalid_usage');
      }
      const only = options.events === undefined ? undefined : new Set<string>(target.parseEventList(options.events));

      const deliveries = recording.readRecording(file).filter((delivery) => only === undefined || only.has(delivery.event_type));
      if (deliveries.length === 0) {
        throw usageError(`${file} has no deliveries${only ? ' of those event types' : ''} to replay`, 'record some with stamp7 listen --record FILE', 'empty_recording');
      }

      const reporter = new Reporter({ format: chooseFormat(format), quiet: globalOptions().quiet, showTransit: false });
      reporter.json({ type: 'ready', file, forward: forward.href, deliveries: deliveries.length, resigned: options.resign === true });
      reporter.note(`Replaying ${deliveries.length} ${deliveries.length === 1 ? 'delivery' : 'deliveries'} from ${file} to ${forward.href}${options.resign ? ', re-signed' : ''}`);
      const summary = await replayRecording({ deliveries, forward, headers, timeoutMs, resignSecret: options.resign ? secret : undefined, reporter });
      reporter.json({ type: 'summary', sent: summary.sent, succeeded: summary.succeeded, failed: summary.failed });
      reporter.flush();

      if (summary.staleSignatures > 0) {
        reporter.note(`warning: ${summary.staleSignatures} recorded signatures are more than 300 s old, so a receiver that checks the timestamp rejects them; add --resign --secret whsec_…`);
      }
      if (summary.failed > 0) {
        throw new CliError(`${summary.failed} of ${summary.sent} replayed deliveries did not get a 2xx response`, {
          hint: 'the delivery lines above show each failure',
          exitCode: ExitCode.failure,
          code: 'deliveries_failed',
        });
      }
      reporter.note(`Replayed ${summary.sent}: all answered 2xx`);
    });
}
