import { CliError, ExitCode } from '../errors.js';
import type { EventType } from './catalog.js';

/**
 * The options `stamp7 trigger` passes when no `--url` is given: the raw command options
 * (strings as typed, repeatable flags as arrays), the resolved event type, and `--json`.
 */
export interface TriggerApiOptions {
  /** The resolved event type; undefined only when `--data` supplies the body. */
  event: EventType | undefined;
  json: boolean;
  /** `path=value` strings, not parsed yet (parseSetArgument in events/build parses them). */
  set?: string[];
  unset?: string[];
  addMissing?: boolean;
  /** `@file`, `-` or inline JSON, as typed. */
  data?: string;
  secret?: string[];
  header?: string[];
  timeout: string;
  count: string;
  concurrency: string;
  expect?: string;
  maxLatency?: string;
  verbose?: boolean;
  printSecret?: boolean;
}

/** Creates an event through the platform API (`POST /v1/events`) and reports its deliveries. */
// TODO: placeholder until the API path of trigger is built; it fails instead of pretending to work.
export async function runApiTrigger(_options: TriggerApiOptions): Promise<void> {
  throw new CliError('trigger without --url is not built yet', { hint: 'pass --url URL', exitCode: ExitCode.usage });
}
