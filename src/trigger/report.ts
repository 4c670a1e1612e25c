import { formatDeliveryLine } from '../output/delivery-line.js';
import { out } from '../output/color.js';
import { printJson, printLine } from '../output/context.js';
import { formatMs } from '../output/duration.js';
import type { DeliveryResult, RunResult } from './run.js';

// The response body shown under a failed (or, with --verbose, any) delivery line.
const SHOWN_BODY_CHARS = 600;

export interface ReportOptions {
  json: boolean;
  verbose: boolean;
  /** Print a line for every delivery; when false only failures get one (runs with --count). */
  everyLine: boolean;
}

/** Prints one delivery: an NDJSON object with --json, else the shared delivery line. */
export function reportDelivery(result: DeliveryResult, url: string, options: ReportOptions): void {
  if (options.json) {
    printJson(deliveryJson(result, url));
    return;
  }
  const failed = !result.expected || result.tooSlow;
  if (!options.everyLine && !failed && !options.verbose) return;

  const { send, delivery } = result;
  printLine(
    formatDeliveryLine(
      {
        time: result.startedAt,
        eventType: delivery.eventType,
        eventId: delivery.eventId,
        method: 'POST',
        url,
        statusCode: send.statusCode,
        durationMs: send.durationMs,
        error: result.errorText,
        flag: result.tooSlow ? 'slower than --max-latency' : undefined,
      },
      out(),
    ),
  );

  if (options.verbose) {
    for (const [name, value] of Object.entries(delivery.headers)) printLine(out().dim(`    > ${name}: ${value}`));
    for (const [name, value] of Object.entries(send.responseHeaders)) printLine(out().dim(`    < ${name}: ${String(value)}`));
  }
  const is2xx = send.statusCode !== null && send.statusCode >= 200 && send.statusCode < 300;
  if ((!is2xx || options.verbose) && send.responseBytes > 0) printBody(send.responseBody, send.responseBytes);
}

function printBody(body: Buffer, totalBytes: number): void {
  let text = body.toString('utf8');
  let note = '';
  if (text.length > SHOWN_BODY_CHARS) {
    text = text.slice(0, SHOWN_BODY_CHARS);
    note = ` … (${totalBytes} bytes in all)`;
  } else if (totalBytes > body.length) {
    note = ` … (${totalBytes} bytes in all)`;
  }
  const lines = `${text}${note}`.split(/\r?\n/);
  for (const line of lines) printLine(`    ${line}`);
}

/** Builds the NDJSON object of one delivery. */
export function deliveryJson(result: DeliveryResult, url: string): Record<string, unknown> {
  const { send, delivery } = result;
  return {
    type: 'delivery',
    index: result.index,
    event: delivery.eventType,
    event_id: delivery.eventId,
    delivery_id: delivery.deliveryId,
    method: 'POST',
    url,
    started_at: result.startedAt.toISOString(),
    status_code: send.statusCode,
    duration_ms: send.durationMs,
    ok: result.expected && !result.tooSlow,
    error: send.error ? { code: send.error.code, message: result.errorText ?? send.error.message } : null,
    redirect_location: send.redirectLocation ?? null,
    response_bytes: send.responseBytes,
    response_snippet: send.responseBody.toString('utf8'),
  };
}

/** Prints the summary of a run: an NDJSON `summary` object with --json, else a few lines of text. */
export function reportSummary(run: RunResult, context: { event: string; url: string; expect: string; json: boolean }): void {
  const { summary } = run;
  if (context.json) {
    printJson({
      type: 'summary',
      event: context.event,
      url: context.url,
      sent: summary.sent,
      ok_2xx: summary.ok,
      expected: context.expect,
      unexpected: summary.unexpected,
      failures: summary.failures,
      network_errors: summary.networkErrors,
      too_slow: run.tooSlow,
      latency_ms: summary.latencyMs,
      elapsed_ms: summary.elapsedMs,
      requests_per_second: summary.requestsPerSecond,
      stopped: run.stopped,
    });
    return;
  }

  const color = out();
  const { latencyMs } = summary;
  printLine();
  printLine(`${color.bold('sent')}      ${summary.sent} ${context.event} deliveries to ${context.url} in ${formatMs(summary.elapsedMs)} (${summary.requestsPerSecond} req/s)${run.stopped ? color.yellow(', stopped early') : ''}`);
  printLine(`${color.bold('2xx')}       ${summary.ok}`);
  const failureText = summary.unexpected === 0 ? color.green('0') : color.red(String(summary.unexpected));
  printLine(`${color.bold('failures')}  ${failureText}${context.expect === '2xx' ? '' : ` (expected ${context.expect})`}`);
  for (const [label, count] of Object.entries(summary.failures)) printLine(`          ${String(count).padStart(6)} × ${label}`);
  if (run.tooSlow > 0) printLine(`${color.bold('too slow')}  ${color.red(String(run.tooSlow))}`);
  printLine(`${color.bold('latency')}   p50 ${formatMs(latencyMs.p50)}  p95 ${formatMs(latencyMs.p95)}  p99 ${formatMs(latencyMs.p99)}  max ${formatMs(latencyMs.max)}`);
}
