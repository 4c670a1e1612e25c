import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme stamp7 assumes for 7stamp deliveries, version `v1`:
 * `X-7stamp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `<t>.<raw body bytes>`,
 * keyed with the endpoint secret's UTF-8 bytes. During a secret rotation the header carries
 * one `v1=` per valid secret. The platform has not published its own scheme, so everything
 * that depends on the wire format lives in this module.
 */
export const SIGNATURE_SCHEME = 'v1';
export const SIGNATURE_HEADER = 'X-7stamp-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const HEX_SHA256_LENGTH = 64;

export type Body = string | Buffer | Uint8Array;

function toBuffer(body: Body): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // The usual cause is a framework's JSON parser running before verification.
  throw new TypeError(
    `the body must be the raw request bytes (a Buffer or string), not ${body === null ? 'null' : typeof body}: ` +
      'a parsed body cannot be verified, so read it raw (for example express.raw({ type: "application/json" }))',
  );
}

/** Returns the secrets as a list, throwing a TypeError that names the problem for a missing or empty one. */
function toSecretList(secrets: string | readonly string[] | undefined | null, caller: string): readonly string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`${caller}: the secret is missing; pass the endpoint secret (whsec_…), for example from STAMP7_WEBHOOK_SECRET`);
  }
  for (const secret of list) {
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new TypeError(`${caller}: a secret is ${typeof secret === 'string' ? 'empty' : typeof secret}; pass the endpoint secret (whsec_…)`);
    }
  }
  return list;
}

/** Computes the hex HMAC-SHA256 of `<timestamp>.<body>` with one secret. */
export function computeSignature(secret: string, timestamp: number, body: Body): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${timestamp}.`, 'utf8')
    .update(toBuffer(body))
    .digest('hex');
}

export interface SignOptions {
  /** Unix time in seconds; defaults to now. */
  timestamp?: number;
}

/** Builds the signature header value for a body, with one `v1=` per secret. */
export function signPayload(body: Body, secrets: string | readonly string[], options: SignOptions = {}): string {
  const list = toSecretList(secrets, 'signPayload');
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const buffer = toBuffer(body);
  const parts = list.map((secret) => `${SIGNATURE_SCHEME}=${computeSignature(secret, timestamp, buffer)}`);
  return `t=${timestamp},${parts.join(',')}`;
}

export interface ParsedSignatureHeader {
  timestamp: number;
  /** Every `v1` value in header order, as sent (not validated as hex). */
  signatures: string[];
}

export type VerifyFailureReason =
  | 'missing_header'
  | 'malformed_header'
  | 'no_v1_signature'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'no_matching_signature';

export type ParseResult =
  | { ok: true; header: ParsedSignatureHeader }
  | { ok: false; reason: 'missing_header' | 'malformed_header' | 'no_v1_signature'; message: string };

/**
 * Parses a signature header. Unknown schemes (`v0=`, `v2=`) are skipped so a future scheme
 * can be sent next to `v1`; a missing or non-integer `t` makes the header malformed.
 */
export function parseSignatureHeader(header: string | string[] | undefined | null): ParseResult {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined || value === null || value.trim() === '') {
    return { ok: false, reason: 'missing_header', message: `the ${SIGNATURE_HEADER} header is missing` };
  }

  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const rawPart of value.split(',')) {
    const part = rawPart.trim();
    const equals = part.indexOf('=');
    if (equals <= 0) {
      return { ok: false, reason: 'malformed_header', message: `the header part "${truncate(part)}" is not key=value` };
    }
    const key = part.slice(0, equals).trim();
    const item = part.slice(equals + 1).trim();
    if (key === 't') {
      if (!/^\d{1,15}$/.test(item)) {
        return { ok: false, reason: 'malformed_header', message: `the timestamp t="${truncate(item)}" is not a Unix time in seconds` };
      }
      timestamp = Number(item);
    } else if (key === SIGNATURE_SCHEME) {
      signatures.push(item);
    }
  }

  if (timestamp === undefined) {
    return { ok: false, reason: 'malformed_header', message: 'the header has no t= timestamp' };
  }
  if (signatures.length === 0) {
    return { ok: false, reason: 'no_v1_signature', message: `the header has no ${SIGNATURE_SCHEME}= signature` };
  }
  return { ok: true, header: { timestamp, signatures } };
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export interface VerifyOptions {
  body: Body;
  header: string | string[] | undefined | null;
  /** One secret, or several while a rotation is under way. */
  secret: string | readonly string[];
  /** Allowed distance between `t` and now, in seconds, both directions. Default 300; 0 turns the check off. */
  toleranceSeconds?: number;
  /** Clock in milliseconds since the epoch, for tests; defaults to Date.now. */
  now?: () => number;
}

export type VerifyResult =
  | { ok: true; timestamp: number; ageSeconds: number; secretIndex: number }
  | { ok: false; reason: VerifyFailureReason; message: string; timestamp?: number; ageSeconds?: number };

/**
 * Verifies a delivery's signature against one or several secrets. A delivery that fails
 * returns a result with a reason; only a programming error (no secret, a parsed body)
 * throws a TypeError. The comparison runs in constant time for each candidate.
 */
export function verifySignature(options: VerifyOptions): VerifyResult {
  const secrets = toSecretList(options.secret, 'verifySignature');
  const body = toBuffer(options.body);
  const parsed = parseSignatureHeader(options.header);
  if (!parsed.ok) return parsed;

  const { timestamp, signatures } = parsed.header;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const ageSeconds = nowSeconds - timestamp;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (tolerance > 0 && ageSeconds > tolerance) {
    return { ok: false, reason: 'timestamp_too_old', timestamp, ageSeconds, message: `the timestamp is ${ageSeconds} s old, more than the ${tolerance} s tolerance` };
  }
  if (tolerance > 0 && -ageSeconds > tolerance) {
    return { ok: false, reason: 'timestamp_in_future', timestamp, ageSeconds, message: `the timestamp is ${-ageSeconds} s in the future, more than the ${tolerance} s tolerance` };
  }

  for (const [secretIndex, secret] of secrets.entries()) {
    const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
    for (const candidate of signatures) {
      if (matchesHex(expected, candidate)) return { ok: true, timestamp, ageSeconds, secretIndex };
    }
  }
  return { ok: false, reason: 'no_matching_signature', timestamp, ageSeconds, message: 'no v1 signature matches the body with the given secret' };
}

function matchesHex(expected: Buffer, candidate: string): boolean {
  // A wrong-length or non-hex value can never match; its length is public anyway.
  if (candidate.length !== HEX_SHA256_LENGTH || !/^[0-9a-fA-F]+$/.test(candidate)) return false;
  return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
}

/** Raised by constructEvent when a delivery fails verification or is not a JSON object. */
export class SignatureVerificationError extends Error {
  readonly reason: VerifyFailureReason | 'invalid_json';
  readonly ageSeconds: number | undefined;

  constructor(reason: VerifyFailureReason | 'invalid_json', message: string, ageSeconds?: number) {
    super(message);
    this.name = 'SignatureVerificationError';
    this.reason = reason;
    this.ageSeconds = ageSeconds;
  }
}

/**
 * Verifies a delivery and parses its body in one call, for receivers. Pass the raw body
 * bytes exactly as received: a body parsed and serialised again no longer matches.
 */
export function constructEvent<T = unknown>(
  body: Body,
  header: string | string[] | undefined | null,
  secret: string | readonly string[],
  options: Pick<VerifyOptions, 'toleranceSeconds' | 'now'> = {},
): T {
  const result = verifySignature({ body, header, secret, ...options });
  if (!result.ok) throw new SignatureVerificationError(result.reason, result.message, result.ageSeconds);
  let parsed: unknown;
  try {
    parsed = JSON.parse(toBuffer(body).toString('utf8'));
  } catch {
    throw new SignatureVerificationError('invalid_json', 'the signature is valid but the body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SignatureVerificationError('invalid_json', 'the signature is valid but the body is not a JSON object');
  }
  return parsed as T;
}
