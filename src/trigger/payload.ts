import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../errors.js';
import { buildEvent } from '../events/build.js';
import { resolveEventType, type EventType } from '../events/catalog.js';
import { deliveryId, eventId } from '../events/ids.js';
import { signPayload } from '../signing/index.js';

/** Header values every delivery carries, as the contract in docs/api.md names them. */
export const USER_AGENT = '7stamp-Webhooks/1.0';

/** One delivery ready to send: the exact body bytes and every header, signed. */
export interface PreparedDelivery {
  eventType: string;
  eventId: string;
  deliveryId: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Builds the body of each delivery: a fresh event per call, or the same `--data` bytes every time. */
export type BodySource =
  | { kind: 'sample'; type: EventType; set: Array<[string, unknown]>; unset: string[]; addMissing: boolean }
  | { kind: 'data'; type: string; body: Buffer; eventId: string | undefined };

/**
 * Reads `--data`: `@file` (the file's bytes), `-` (all of stdin) or inline JSON text. The bytes
 * are kept exactly as read. Throws a CliError (exit code 2) when the file cannot be read or
 * the bytes are not one JSON object.
 */
export async function readDataArgument(value: string): Promise<{ body: Buffer; parsed: Record<string, unknown> }> {
  let body: Buffer;
  let origin: string;
  if (value === '-') {
    origin = 'stdin';
    body = await readStdin();
  } else if (value.startsWith('@')) {
    origin = value.slice(1);
    try {
      body = readFileSync(origin);
    } catch (error) {
      throw new CliError(`cannot read --data file ${origin}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        hint: 'check the path; --data @file.json reads a file, --data - reads stdin',
        exitCode: ExitCode.usage,
        code: 'invalid_data',
      });
    }
  } else {
    origin = 'the --data text';
    body = Buffer.from(value, 'utf8');
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeDataText(body, origin));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`invalid JSON in --data (${origin}): ${(error as Error).message}`, {
      hint: 'a delivery body must be one JSON object; check the file with a JSON linter',
      exitCode: ExitCode.usage,
      code: 'invalid_json',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`invalid --data (${origin}): the JSON is not an object`, {
      hint: 'a delivery body is one JSON object such as {"id":"evt_…","event":"ping",…}',
      exitCode: ExitCode.usage,
      code: 'invalid_json',
    });
  }
  return { body, parsed: parsed as Record<string, unknown> };
}

/**
 * Decodes `--data` bytes as UTF-8, which JSON between systems must be (RFC 8259). The bytes
 * are sent as read, so a byte order mark or a Latin-1 byte would reach the receiver as is;
 * both are rejected here with the place to fix instead of a JSON parse error or a silent send.
 */
function decodeDataText(body: Buffer, origin: string): string {
  const invalid = (problem: string, hint: string): CliError =>
    new CliError(`invalid --data (${origin}): ${problem}`, { hint, exitCode: ExitCode.usage, code: 'invalid_data' });

  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    throw invalid('the body starts with a UTF-8 byte order mark', 'save the file as UTF-8 without a BOM; receivers would see the mark as part of the body');
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw invalid('the body is empty', 'a delivery body is one JSON object such as {"id":"evt_…","event":"ping",…}');
  if (!isUtf8(body)) {
    throw invalid(`the body is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8Offset(body, text)})`, 'save the file as UTF-8; webhook bodies are UTF-8 JSON');
  }
  return text;
}

/** Finds the byte offset of the first U+FFFD that the decoder produced rather than read. */
function firstInvalidUtf8Offset(body: Buffer, text: string): number {
  for (let index = text.indexOf('\ufffd'); index !== -1; index = text.indexOf('\ufffd', index + 1)) {
    const offset = Buffer.byteLength(text.slice(0, index), 'utf8');
    const genuine = body[offset] === 0xef && body[offset + 1] === 0xbf && body[offset + 2] === 0xbd;
    if (!genuine) return offset;
  }
  return 0;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Picks the event type for `--data`: the EVENT argument when given, else the body's `event` field. */
export function dataEventType(argument: EventType | undefined, parsed: Record<string, unknown>): string {
  if (argument !== undefined) return argument;
  const fromBody = typeof parsed.event === 'string' ? resolveEventType(parsed.event) : undefined;
  if (fromBody === undefined) {
    throw new CliError('the --data body has no known "event" type and no EVENT argument was given', {
      hint: 'name the type: stamp7 trigger voucher_redeemed --data @body.json --url URL',
      exitCode: ExitCode.usage,
      code: 'missing_event',
    });
  }
  return fromBody;
}

/**
 * Prepares one delivery: builds (or reuses) the body, then signs it with the current time.
 * `extraHeaders` replace contract headers of the same name, compared without case, so a
 * test can send a deliberately wrong signature.
 */
export function prepareDelivery(source: BodySource, secrets: string[], extraHeaders: Array<[string, string]>): PreparedDelivery {
  let body: Buffer;
  let id: string;
  if (source.kind === 'sample') {
    const built = buildEvent(source.type, { set: source.set, unset: source.unset, addMissing: source.addMissing });
    body = built.body;
    id = typeof built.event.id === 'string' ? built.event.id : eventId();
  } else {
    body = source.body;
    id = source.eventId ?? eventId();
  }

  const delivery = deliveryId();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-7stamp-Event': source.type,
    'X-7stamp-Event-Id': id,
    'X-7stamp-Delivery-Id': delivery,
    'X-7stamp-Attempt': '1',
    'X-7stamp-Signature': signPayload(body, secrets),
  };
  for (const [name, value] of extraHeaders) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  }
  return { eventType: source.type, eventId: id, deliveryId: delivery, headers, body };
}

/** Parses one `--header 'Name: value'`. Throws a CliError (exit code 2) without a colon or with an invalid name. */
export function parseHeaderArgument(argument: string): [string, string] {
  const colon = argument.indexOf(':');
  const name = colon === -1 ? '' : argument.slice(0, colon).trim();
  if (colon === -1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new CliError(`invalid --header "${argument}": expected "Name: value"`, {
      hint: "for example --header 'X-Debug: 1'",
      exitCode: ExitCode.usage,
      code: 'invalid_header',
    });
  }
  const value = argument.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) {
    throw new CliError(`invalid --header "${name}": the value contains a line break or NUL`, {
      hint: 'pass the header value on one line',
      exitCode: ExitCode.usage,
      code: 'invalid_header',
    });
  }
  return [name, value];
}
