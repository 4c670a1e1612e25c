import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { CliError, ExitCode, usageError } from '../errors.js';
import { warn } from '../output/context.js';
import type { OutcomeMessage } from '../protocol/index.js';
import type { ForwardResult } from './forwarder.js';

/** The first line of a recording file; `version` changes when the line format does. */
export const RECORDING_FORMAT = 'stamp7-recording';
export const RECORDING_VERSION = 1;

/** One recorded delivery: everything needed to send it again, and the app's response. */
export interface RecordedDelivery {
  type: 'delivery';
  recorded_at: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  created_at_ms: number;
  url: string;
  /** The delivery's headers as the relay sent them, lower-case names, signature included. */
  headers: Record<string, string>;
  /** The exact body bytes. */
  body_base64: string;
  outcome: Omit<OutcomeMessage, 'type' | 'delivery_id'>;
}

/**
 * Appends every forwarded delivery to an NDJSON file. The session secret is never
 * written; the signature headers are, as the app received them.
 */
export class Recorder {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  private constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w', mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  /** Opens the file, replacing an existing one, and writes the header line. */
  static async open(path: string): Promise<Recorder> {
    const recorder = new Recorder(path);
    try {
      await once(recorder.stream, 'open');
    } catch (error) {
      throw new CliError(`cannot write the recording file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        hint: 'check that the folder exists and is writable, or choose another --record path',
        exitCode: ExitCode.usage,
        code: 'record_unwritable',
      });
    }
    recorder.stream.write(`${JSON.stringify({ type: 'recording', format: RECORDING_FORMAT, version: RECORDING_VERSION, created_at: new Date().toISOString() })}\n`);
    return recorder;
  }

  write(result: ForwardResult): void {
    if (this.failure) return;
    const { delivery, outcome } = result;
    const line: RecordedDelivery = {
      type: 'delivery',
      recorded_at: new Date(result.receivedAtMs).toISOString(),
      delivery_id: delivery.delivery_id,
      event_id: delivery.event_id,
      event_type: delivery.event_type,
      attempt: delivery.attempt,
      created_at_ms: delivery.created_at_ms,
      url: result.url.href,
      headers: delivery.headers,
      body_base64: delivery.body_base64,
      outcome: { status_code: outcome.status_code, duration_ms: outcome.duration_ms, error: outcome.error, response_snippet: outcome.response_snippet },
    };
    this.stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Flushes and closes the file; returns the write error, if one happened. */
  async close(): Promise<Error | undefined> {
    if (!this.stream.closed) {
      this.stream.end();
      await once(this.stream, 'close').catch(() => undefined);
    }
    return this.failure;
  }
}

/** Reads a recording file, checking each line; a bad line is a usage error that names it. */
export function readRecording(path: string): RecordedDelivery[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read the recording ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(error)}`, 'record deliveries with stamp7 listen --record FILE', 'recording_unreadable');
  }

  const deliveries: RecordedDelivery[] = [];
  const lines = text.split('\n');
  let sawHeader = false;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // listen writes a header and then whole lines ending in \n, so in such a file an
      // unterminated last line is a write cut short by a crash.
      if (index === lines.length - 1 && sawHeader) {
        warn(`${path} line ${index + 1} is cut short, as a listen stopped mid-write leaves it; replaying the ${deliveries.length} lines before it`);
        continue;
      }
      throw usageError(`${path} line ${index + 1} is not JSON`, 'a recording has one JSON object per line, as stamp7 listen --record writes it', 'invalid_recording');
    }
    if (isRecordingHeader(value)) {
      sawHeader = true;
      if (value.version > RECORDING_VERSION) {
        throw usageError(`${path} is a version ${value.version} recording; this stamp7 reads version ${RECORDING_VERSION}`, 'update stamp7', 'invalid_recording');
      }
      continue;
    }
    if (!isRecordedDelivery(value)) {
      throw usageError(`${path} line ${index + 1} is not a recorded delivery`, 'each line needs delivery_id, event_id, event_type, headers and body_base64 (standard base64)', 'invalid_recording');
    }
    deliveries.push(value);
  }
  return deliveries;
}

function isRecordingHeader(value: unknown): value is { type: 'recording'; version: number } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'recording' && typeof (value as { version?: unknown }).version === 'number';
}

/** Standard base64 with padding, as Buffer.toString('base64') writes it; Buffer.from() would skip other characters silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isRecordedDelivery(value: unknown): value is RecordedDelivery {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record.type === 'delivery' &&
    typeof record.delivery_id === 'string' &&
    typeof record.event_id === 'string' &&
    typeof record.event_type === 'string' &&
    typeof record.body_base64 === 'string' &&
    BASE64.test(record.body_base64) &&
    typeof record.headers === 'object' &&
    record.headers !== null &&
    Object.values(record.headers).every((header) => typeof header === 'string')
  );
}
