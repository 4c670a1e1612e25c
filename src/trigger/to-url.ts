import { CliError, ExitCode } from '../errors.js';
import { buildEvent, parseSetArgument } from '../events/build.js';
import type { EventType } from '../events/catalog.js';
import { globalOptions, info, printJson, warn } from '../output/context.js';
import { maskSecret } from '../output/mask.js';
import { EXPECT_2XX, parseExpectation } from './expect.js';
import { dataEventType, parseHeaderArgument, prepareDelivery, readDataArgument, type BodySource } from './payload.js';
import { reportDelivery, reportSummary } from './report.js';
import { runDeliveries, type DeliveryResult } from './run.js';
import { describeSecretSource, resolveWebhookSecret } from './secret.js';

/** The validated options of `stamp7 trigger EVENT --url URL`. */
export interface TriggerToUrlInput {
  type: EventType | undefined;
  url: URL;
  secrets: string[] | undefined;
  /** `Name: value` strings, not parsed yet. */
  headers: string[];
  /** `path=value` strings, not parsed yet. */
  set: string[];
  unset: string[];
  addMissing: boolean;
  data: string | undefined;
  timeoutMs: number;
  count: number;
  concurrency: number;
  expect: string | undefined;
  maxLatencyMs: number | undefined;
  verbose: boolean;
  printSecret: boolean;
}

/**
 * Sends signed deliveries of one event type straight to a URL and prints one result per
 * delivery and, for `--count` above 1, a summary. Throws a CliError when a delivery missed
 * the expectation, so a script can branch on the exit code.
 */
export async function triggerToUrl(input: TriggerToUrlInput): Promise<void> {
  const { json, quiet } = globalOptions();
  const extraHeaders = input.headers.map(parseHeaderArgument);
  const expectation = input.expect === undefined ? EXPECT_2XX : parseExpectation(input.expect);
  const source = await bodySource(input);
  const secret = await resolveWebhookSecret(input.secrets);
  const urlText = input.url.href;

  // Secret first: a user who has just created the local secret needs to copy it to their app.
  const configFile = secret.source === 'local' ? (await import('../config/index.js')).configPath() : '';
  const shown = secret.secrets.map((value) => (input.printSecret ? value : maskSecret(value))).join(', ');
  if (secret.created) {
    warn(`created a local webhook secret ${shown} and stored it in ${configFile}; set it in your app (stamp7 trigger --print-secret prints it in full)`);
  }
  if (secret.secrets.some((value) => value !== value.trim())) warn('the secret has leading or trailing whitespace, which is part of what is signed');
  if (json) {
    printJson({ type: 'ready', event: source.type, url: urlText, count: input.count, concurrency: input.concurrency, secret_source: secret.source, secret: shown });
  } else {
    info(`signing with ${shown} from ${describeSecretSource(secret.source, configFile)}`);
  }

  let firstFailure: DeliveryResult | undefined;
  const everyLine = input.count === 1;
  const handle = runDeliveries(
    {
      url: input.url,
      count: input.count,
      concurrency: input.concurrency,
      timeoutMs: input.timeoutMs,
      expectation,
      maxLatencyMs: input.maxLatencyMs,
      prepare: () => prepareDelivery(source, secret.secrets, extraHeaders),
    },
    (result) => {
      if (firstFailure === undefined && (!result.expected || result.tooSlow)) firstFailure = result;
      reportDelivery(result, urlText, { json, verbose: input.verbose, everyLine });
    },
  );

  // Ctrl-C during a long run stops sending, lets the deliveries in flight finish and still prints the summary.
  const onInterrupt = (): void => handle.stop();
  process.once('SIGINT', onInterrupt);
  const showProgress = input.count > 1 && process.stderr.isTTY === true && !json && !quiet;
  const progress = showProgress ? (await import('./progress.js')).startProgress(input.count, handle.progress) : undefined;
  let run;
  try {
    run = await handle.done;
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onInterrupt);
  }

  if (input.count > 1 || json) reportSummary(run, { event: source.type, url: urlText, expect: expectation.text, json });
  // Start-up counts for a single trigger, so the verdict module is loaded only when something failed.
  if (firstFailure === undefined && !run.stopped) return;
  const { runVerdict } = await import('./verdict.js');
  const verdict = runVerdict(run, { url: input.url, expect: expectation.text, maxLatencyMs: input.maxLatencyMs, firstFailure });
  if (verdict) throw verdict;
}

/** Validates the body options up front, so a bad --set fails before anything is sent. */
async function bodySource(input: TriggerToUrlInput): Promise<BodySource> {
  if (input.data !== undefined) {
    if (input.set.length > 0 || input.unset.length > 0) {
      throw new CliError('--data cannot be combined with --set or --unset', {
        hint: 'edit the file instead, or leave --data out to change a sample with --set',
        exitCode: ExitCode.usage,
        code: 'conflicting_options',
      });
    }
    const { body, parsed } = await readDataArgument(input.data);
    const type = dataEventType(input.type, parsed);
    if (typeof parsed.event === 'string' && parsed.event !== type) warn(`the --data body has "event": "${parsed.event}" but is sent as ${type}`);
    const eventId = typeof parsed.id === 'string' ? parsed.id : undefined;
    if (eventId === undefined) warn('the --data body has no "id"; the X-7stamp-Event-Id header gets a fresh id');
    else if (input.count > 1) warn(`--data sends the same bytes every time, so all ${input.count} deliveries carry event id ${eventId}`);
    return { kind: 'data', type, body, eventId };
  }

  const type = input.type!;
  const set = input.set.map(parseSetArgument);
  buildEvent(type, { set, unset: input.unset, addMissing: input.addMissing });
  return { kind: 'sample', type, set, unset: input.unset, addMissing: input.addMissing };
}
