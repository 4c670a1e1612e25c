import { CliError, ExitCode } from '../errors.js';
import { formatMs } from '../output/duration.js';
import type { DeliveryResult, RunResult } from './run.js';

/**
 * Turns a finished run into its exit: undefined when every delivery met the expectation and
 * the latency limit, else a CliError. Deliveries with no HTTP response make it exit code 6
 * (network); other misses exit 1. `firstFailure` supplies the detail for the message.
 */
export function runVerdict(
  run: RunResult,
  context: { url: URL; expect: string; maxLatencyMs: number | undefined; firstFailure: DeliveryResult | undefined },
): CliError | undefined {
  const { summary } = run;
  const failure = context.firstFailure;
  const ofAll = summary.sent === 1 ? 'the delivery' : `${summary.unexpected} of ${summary.sent} deliveries`;

  if (summary.networkErrors > 0) {
    const detail = failure?.errorText ?? 'no answer';
    return new CliError(`${summary.sent === 1 ? 'the delivery' : `${summary.networkErrors} of ${summary.sent} deliveries`} failed: ${detail}`, {
      hint: networkHint(failure),
      exitCode: ExitCode.network,
      code: 'delivery_failed',
    });
  }

  if (summary.unexpected > 0) {
    const status = failure?.send.statusCode;
    const redirect = failure?.send.redirectLocation;
    const what = context.expect === '2xx' ? 'a 2xx status' : `the expected status (${context.expect})`;
    let hint = 'the response body is printed under the delivery line; --verbose shows the headers too';
    if (status !== undefined && status !== null && status >= 300 && status < 400) {
      hint = `stamp7 never follows redirects, like the platform: point --url at ${redirect ?? 'the final address'}`;
    } else if (status === 401 || status === 403 || status === 400) {
      hint =
        'check that your app verifies over the raw body bytes with the secret named on the first line (stamp7 trigger --print-secret prints the local one); ' +
        'an app set up for stamp7 dev or listen uses the session secret, so pass that with --secret or STAMP7_WEBHOOK_SECRET';
    }
    return new CliError(`${ofAll} did not get ${what}${status === undefined || status === null ? '' : `: the first got ${status}`}`, {
      hint,
      exitCode: ExitCode.failure,
      code: 'unexpected_status',
    });
  }

  if (run.tooSlow > 0 && context.maxLatencyMs !== undefined) {
    return new CliError(
      `${run.tooSlow} of ${summary.sent} deliveries took longer than --max-latency ${formatMs(context.maxLatencyMs)} (max ${formatMs(summary.latencyMs.max)})`,
      { hint: 'the platform allows 10 s per attempt; find what makes your handler slow, or raise --max-latency', exitCode: ExitCode.failure, code: 'too_slow' },
    );
  }

  if (run.stopped) {
    return new CliError(`stopped after ${summary.sent} deliveries`, { exitCode: ExitCode.interrupted, code: 'interrupted' });
  }
  return undefined;
}

function networkHint(failure: DeliveryResult | undefined): string {
  switch (failure?.send.error?.code) {
    case 'ECONNREFUSED':
      return 'start your app first, or check the port in --url';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'check the host name in --url';
    case 'ETIMEDOUT':
      return 'your app must answer within --timeout (the platform allows 10 s); answer first, then do slow work';
    case 'EMPTY_RESPONSE':
      return 'check your app\'s log: it dropped the request without sending a status';
    default:
      return 'check that your app is running and that --url is right';
  }
}
