import { CliError, ExitCode } from '../errors.js';
import { globalOptions, printLine } from '../output/context.js';
import type { ListenFlags } from './flags.js';
import { keepHeapNearLiveSize } from './heap.js';
import { runListen, type ListenSummary } from './listen.js';
import { Recorder } from './recording.js';
import { Reporter, type OutputFormat } from './report.js';
import type { ListenSessionInfo, SessionApi } from './session.js';

/** Picks the output format: the flag, else JSON for `--json` or when stdout is not a terminal. */
export function chooseFormat(flag: OutputFormat | undefined): OutputFormat {
  if (flag) return flag;
  return globalOptions().json || process.stdout.isTTY !== true ? 'json' : 'text';
}

/**
 * Runs `listen` (or the listen half of `dev`) from checked flags and prints its summary.
 * Returns the exit code; a failed run throws a CliError that names the failure.
 */
export async function runListenCommand(flags: ListenFlags, api: SessionApi, onReady?: (session: ListenSessionInfo) => void): Promise<number> {
  keepHeapNearLiveSize();
  const format = chooseFormat(flags.format);
  const reporter = new Reporter({ format, quiet: globalOptions().quiet });
  const recorder = flags.recordPath && !flags.printSecret ? await Recorder.open(flags.recordPath) : undefined;

  let summary: ListenSummary;
  try {
    summary = await runListen({
      api,
      reporter,
      forward: flags.forward ?? new URL('http://localhost/'),
      routes: flags.routes,
      headers: flags.headers,
      timeoutMs: flags.timeoutMs,
      concurrency: flags.concurrency,
      recorder,
      printSecret: flags.printSecret,
      exitAfter: flags.exitAfter,
      waitFor: flags.waitFor,
      maxDurationMs: flags.maxDurationMs,
      ...(onReady ? { onReady } : {}),
    });
  } finally {
    reporter.flush();
    const failure = await recorder?.close();
    if (failure) reporter.note(`warning: the recording ${flags.recordPath} is incomplete: ${failure.message}`);
  }

  if (summary.reason === 'print_secret') {
    printLine(summary.session.secret);
    return ExitCode.ok;
  }
  return finish(summary, reporter, flags);
}

function finish(summary: ListenSummary, reporter: Reporter, flags: ListenFlags): number {
  const { stats } = summary;
  reporter.json({ type: 'summary', reason: summary.reason, forwarded: stats.forwarded, succeeded: stats.succeeded, failed: stats.failed, exit_code: summary.exitCode });
  reporter.flush();
  const counts = `${stats.forwarded} ${stats.forwarded === 1 ? 'delivery' : 'deliveries'} forwarded, ${stats.succeeded} answered 2xx, ${stats.failed} failed`;

  if (summary.reason === 'relay_closed' || summary.reason === 'replaced') {
    throw new CliError(`${summary.message ?? 'the relay ended the session'} (${counts})`, {
      hint: summary.reason === 'replaced' ? 'stop the other stamp7 listen, or let it run alone' : 'start stamp7 listen again',
      exitCode: ExitCode.failure,
      code: summary.reason,
    });
  }
  if (summary.exitCode === ExitCode.failure && stats.failed > 0) {
    throw new CliError(`the app did not return 2xx for every delivery (${counts})`, {
      hint: 'the delivery lines above show each failure',
      exitCode: ExitCode.failure,
      code: 'deliveries_failed',
    });
  }
  if (summary.exitCode === ExitCode.failure) {
    const expected = flags.waitFor ? `no ${flags.waitFor} delivery arrived` : `only ${stats.forwarded} of ${flags.exitAfter} deliveries arrived`;
    throw new CliError(`--max-duration ended the run: ${expected}`, {
      hint: 'trigger the events while listen runs, or raise --max-duration',
      exitCode: ExitCode.failure,
      code: 'max_duration',
    });
  }
  reporter.note(`Stopped: ${counts}`);
  return summary.exitCode;
}
