import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { out } from '../output/color.js';
import { globalOptions, info, printJson, printLine } from '../output/context.js';

interface CheckFlags {
  secret?: string;
  events?: string;
  timeout: string;
  junit?: string;
}

/** Registers `stamp7 check URL`: the battery that proves a receiver verifies, rejects and responds as it must. */
export function register(program: Command): void {
  program
    .command('check')
    .description('run a battery of valid and forged deliveries against your webhook URL and report each case')
    .argument('<url>', 'the URL of your webhook route, such as http://localhost:3000/webhooks/7stamp')
    .option('--secret <secret>', 'the signing secret your app verifies with (default: STAMP7_WEBHOOK_SECRET)')
    .option('--events <types>', 'comma-separated event types to deliver (default: all)')
    .option('--timeout <duration>', 'how long to wait for each response, such as 10s or 30s', '10s')
    .option('--junit <file>', 'also write a JUnit XML report to FILE, for CI')
    .addHelpText(
      'after',
      '\nExit codes: 0 every case passed (warnings allowed), 1 a case failed, 2 invalid input,\n6 no request got a response (the app is not running or not reachable).',
    )
    .action(async (urlText: string, flags: CheckFlags) => {
      const { parseEventList, parseTargetUrl, resolveSecret } = await import('../check/options.js');
      const { parseDuration } = await import('../output/duration.js');
      const url = parseTargetUrl(urlText);
      const secret = resolveSecret(flags.secret);
      const eventTypes = parseEventList(flags.events);
      const timeoutMs = parseDuration(flags.timeout, '--timeout');
      if (timeoutMs <= 0) throw new CliError(`invalid --timeout "${flags.timeout}": it must be more than 0`, { hint: 'for example --timeout 10s', exitCode: ExitCode.usage, code: 'invalid_duration' });

      const { runCheck, summarize } = await import('../check/run.js');
      const { json } = globalOptions();
      if (!json) info(`checking ${url.href} with ${eventTypes.length} event type${eventTypes.length === 1 ? '' : 's'}…`);
      const report = await runCheck({ url, secret, eventTypes, timeoutMs });

      if (flags.junit !== undefined) {
        const { writeJunitFile } = await import('../check/write.js');
        writeJunitFile(flags.junit, report);
      }
      if (report.unreachable) {
        const firstError = report.cases.flatMap((item) => item.outcomes).find((outcome) => outcome.error !== null)?.error ?? 'no response';
        throw new CliError(`no request got a response from ${url.href}: ${firstError}`, {
          hint: 'start your app first; in CI, wait until its port accepts connections before running stamp7 check',
          exitCode: ExitCode.network,
          code: 'unreachable',
        });
      }

      const { formatLines, formatTable, toJsonDocument } = await import('../check/format.js');
      if (json) printJson(toJsonDocument(report));
      else for (const line of process.stdout.isTTY ? formatTable(report, out()) : formatLines(report, out())) printLine(line);

      const counts = summarize(report);
      if (counts.failed > 0) {
        throw new CliError(`${counts.failed} of ${counts.total} cases failed`, {
          hint: 'each failed case above shows the fix; run again once your app is changed',
          exitCode: ExitCode.failure,
          code: 'check_failed',
        });
      }
    });
}
