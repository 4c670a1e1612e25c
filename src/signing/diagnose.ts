import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifySignature, type VerifyFailureReason } from './index.js';

/** The cause `diagnoseSignature` found for a failed check, beyond the verifier's reason. */
export type DiagnosisCause =
  | 'reserialised_body'
  | 'trailing_newline'
  | 'line_endings'
  | 'secret_whitespace'
  | 'secret_prefix'
  | 'timestamp_only'
  | 'unknown';

export interface DiagnoseInput {
  body: Buffer;
  /** The header value, or the whole `X-7stamp-Signature: …` line as captured. */
  header: string | undefined;
  secrets: readonly string[];
  toleranceSeconds?: number;
  /** Clock in milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
}

export interface Diagnosis {
  ok: boolean;
  /** The verifier's reason, or `ok`. */
  reason: VerifyFailureReason | 'ok';
  /** Set on a failure when a variation of the input verifies (or none does: `unknown`). */
  cause: DiagnosisCause | undefined;
  /** One or two plain sentences for the user. */
  message: string;
  /** The next thing to change; undefined when the signature is valid. */
  hint: string | undefined;
  timestamp: number | undefined;
  ageSeconds: number | undefined;
  /** Index of the secret that verified, on success. */
  secretIndex: number | undefined;
}

interface Variant {
  cause: DiagnosisCause;
  body: Buffer;
  secrets: readonly string[];
}

const CAUSE_TEXT: Record<Exclude<DiagnosisCause, 'timestamp_only' | 'unknown'>, { message: string; hint: string }> = {
  reserialised_body: {
    message: 'the body was re-serialised: these bytes were not the ones signed, but the same JSON written another way verifies',
    hint: 'verify over the raw request bytes before any JSON parsing (express.raw(), or read the request stream), never over JSON.stringify(req.body)',
  },
  trailing_newline: {
    message: 'the body has a trailing newline that was not signed; without it the signature verifies',
    hint: 'capture the body exactly; editors and echo add a final newline (use printf, or --data @file written by the receiver)',
  },
  line_endings: {
    message: 'the body has CRLF line endings where LF was signed; with LF the signature verifies',
    hint: 'keep the body bytes unchanged; a text-mode copy or git autocrlf may have rewritten the line endings',
  },
  secret_whitespace: {
    message: 'the secret has surrounding whitespace; the trimmed secret verifies',
    hint: 'remove the spaces or newline around the secret, often from a .env file or a copy and paste',
  },
  secret_prefix: {
    message: 'the secret verifies only with the whsec_ prefix changed: the whole secret, prefix included, is the key',
    hint: 'use the secret exactly as shown, whsec_ included',
  },
};

/**
 * Verifies a captured delivery and, when it fails, explains why in plain words. It tries the
 * usual mistakes in turn: a re-serialised or re-encoded body, a secret with whitespace or
 * without its prefix, and a timestamp outside the tolerance while the signature matches.
 */
export function diagnoseSignature(input: DiagnoseInput): Diagnosis {
  const header = normalizeHeader(input.header);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const result = verifySignature({ body: input.body, header, secret: input.secrets, toleranceSeconds: tolerance, now: input.now });
  const base = { timestamp: undefined, ageSeconds: undefined, secretIndex: undefined, cause: undefined };

  if (result.ok) {
    const age = result.ageSeconds >= 0 ? `${result.ageSeconds} s ago` : `${-result.ageSeconds} s in the future`;
    const which = input.secrets.length > 1 ? ` with secret ${result.secretIndex + 1} of ${input.secrets.length}` : '';
    return { ...base, ok: true, reason: 'ok', message: `the signature is valid: signed ${age}${which}`, hint: undefined, timestamp: result.timestamp, ageSeconds: result.ageSeconds, secretIndex: result.secretIndex };
  }

  const timing = { timestamp: result.timestamp, ageSeconds: result.ageSeconds };
  if (result.reason === 'missing_header') {
    return { ...base, ok: false, reason: result.reason, message: `no ${SIGNATURE_HEADER} header was given`, hint: `pass the captured header with --header 't=…,v1=…'` };
  }
  if (result.reason === 'malformed_header' || result.reason === 'no_v1_signature') {
    return { ...base, ok: false, reason: result.reason, message: result.message, hint: `the header looks like t=<unix seconds>,v1=<64 hex characters>; copy it whole, without quotes` };
  }

  // The checks below ignore the time window, so a stale capture still gets its real cause.
  const untimed = (body: Buffer, secrets: readonly string[]): boolean => verifySignature({ body, header, secret: secrets, toleranceSeconds: 0 }).ok;
  const timeProblem = result.reason === 'timestamp_too_old' || result.reason === 'timestamp_in_future' ? timeText(result.ageSeconds ?? 0, tolerance) : undefined;

  if (timeProblem !== undefined && untimed(input.body, input.secrets)) {
    return {
      ...base,
      ...timing,
      ok: false,
      reason: result.reason,
      cause: 'timestamp_only',
      message: `the signature matches, but ${timeProblem}`,
      hint: 'a captured delivery ages: pass --tolerance 0 to check the signature alone; if this is live traffic, check the clock of this machine',
    };
  }

  for (const variant of variants(input.body, input.secrets)) {
    if (!untimed(variant.body, variant.secrets)) continue;
    const text = CAUSE_TEXT[variant.cause as keyof typeof CAUSE_TEXT];
    const message = timeProblem === undefined ? text.message : `${text.message}; also, ${timeProblem}`;
    return { ...base, ...timing, ok: false, reason: result.reason, cause: variant.cause, message, hint: text.hint };
  }

  const message = timeProblem ?? 'no v1 signature matches: the body was signed with another secret, or its bytes changed on the way';
  return {
    ...base,
    ...timing,
    ok: false,
    reason: result.reason,
    cause: 'unknown',
    message: timeProblem === undefined ? message : `${message}, and no v1 signature matches this body and secret either`,
    hint: 'check that the secret is this endpoint\'s (or the local one: stamp7 trigger --print-secret) and that the body bytes are exactly as received',
  };
}

function timeText(ageSeconds: number, tolerance: number): string {
  return ageSeconds >= 0
    ? `the timestamp is ${ageSeconds} s old, more than the ${tolerance} s tolerance`
    : `the timestamp is ${-ageSeconds} s in the future, more than the ${tolerance} s tolerance`;
}

/** Accepts the value alone or the whole header line, with or without quotes around it. */
export function normalizeHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let value = header.trim();
  const prefix = `${SIGNATURE_HEADER.toLowerCase()}:`;
  if (value.toLowerCase().startsWith(prefix)) value = value.slice(prefix.length).trim();
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1).trim();
  return value;
}

/** Lists plausible originals of a body and secret, most common mistake first. */
function variants(body: Buffer, secrets: readonly string[]): Variant[] {
  const list: Variant[] = [];
  const text = body.toString('utf8');

  const trimmed = secrets.map((secret) => secret.trim());
  if (trimmed.some((secret, index) => secret !== secrets[index])) list.push({ cause: 'secret_whitespace', body, secrets: trimmed });

  for (const candidate of reserialisations(text)) {
    const bytes = Buffer.from(candidate, 'utf8');
    if (!bytes.equals(body)) list.push({ cause: 'reserialised_body', body: bytes, secrets }, { cause: 'reserialised_body', body: bytes, secrets: trimmed });
  }

  if (/\r?\n$/.test(text)) list.push({ cause: 'trailing_newline', body: Buffer.from(text.replace(/\r?\n$/, ''), 'utf8'), secrets });
  if (text.includes('\r\n')) list.push({ cause: 'line_endings', body: Buffer.from(text.replace(/\r\n/g, '\n'), 'utf8'), secrets });

  const prefixed = secrets.map((secret) => (secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : `whsec_${secret}`));
  list.push({ cause: 'secret_prefix', body, secrets: prefixed });
  return list;
}

/**
 * Lists the usual ways software writes parsed JSON back out. The layout is compact or indented
 * by 2, 4 or a tab, and `/` is escaped or not. Non-ASCII characters stay raw, become `\uXXXX`
 * (PHP's default), or only U+2028 and U+2029 are escaped. Each form comes with and without a
 * final newline.
 */
function reserialisations(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const layouts = [JSON.stringify(parsed), JSON.stringify(parsed, null, 2), JSON.stringify(parsed, null, 4), JSON.stringify(parsed, null, '\t')];
  const escapes = [
    (json: string) => json,
    (json: string) => json.replace(/[\u2028\u2029]/g, unicodeEscape),
    (json: string) => json.replace(/[^\x00-\x7f]/g, unicodeEscape),
  ];
  const forms = layouts.flatMap((layout) => escapes.flatMap((escape) => [escape(layout), escape(layout).replaceAll('/', '\\/')]));
  return [...new Set(forms.flatMap((form) => [form, `${form}\n`]))];
}

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
