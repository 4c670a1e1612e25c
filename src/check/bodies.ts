/**
 * Returns a copy of the body with one byte changed: the last character of the event id,
 * so the JSON stays valid and only the signature can tell the difference.
 */
export function tamperBody(body: Buffer, eventId: string): Buffer {
  const text = body.toString('utf8');
  const position = text.indexOf(eventId);
  const copy = Buffer.from(body);
  if (position === -1) {
    // No id to alter (a custom body): change the first byte after the opening brace instead.
    copy[1] = copy[1] === 0x20 ? 0x0a : 0x20;
    return copy;
  }
  const lastByte = Buffer.byteLength(text.slice(0, position + eventId.length), 'utf8') - 1;
  copy[lastByte] = copy[lastByte] === 0x30 ? 0x31 : 0x30;
  return copy;
}

/**
 * Text for the non-ASCII body, written as JSON string source. It mixes raw UTF-8 (accents,
 * CJK, emoji) with `\u` escapes of the same kind of characters and escaped slashes (`\/`),
 * so `JSON.stringify(JSON.parse(body))` gives different bytes and a verifier that hashes a
 * re-serialised body fails. A verifier that decodes the body as Latin-1 fails too.
 */
export const NON_ASCII_JSON_STRING =
  '"Zo\\u00eb M\\u00fcller \u2615\ud83c\udf89 Caf\u00e9 \u6771\u4eac \\ud83c\\udf70 \\u2014 \ud83d\udc69\u200d\ud83c\udf73 https:\\/\\/7stamp.example\\/r\\/caf\\u00e9"';

const MARKER = '__stamp7_check_non_ascii__';

/**
 * Serialises an event with the mixed-escape text above as the customer's name (or as a
 * top-level `note` when the type has no customer). Returns the body bytes and the event as
 * a receiver parses it.
 */
export function nonAsciiBody(event: Record<string, unknown>): { event: Record<string, unknown>; body: Buffer } {
  const copy = structuredClone(event);
  const customer = copy.customer;
  if (customer !== null && typeof customer === 'object' && !Array.isArray(customer)) {
    (customer as Record<string, unknown>).name = MARKER;
  } else {
    copy.note = MARKER;
  }
  const text = JSON.stringify(copy).replace(JSON.stringify(MARKER), NON_ASCII_JSON_STRING);
  return { event: JSON.parse(text) as Record<string, unknown>, body: Buffer.from(text, 'utf8') };
}

/** Serialises an event with two-space indentation and a final newline, as many senders do. */
export function prettyBody(event: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(event, null, 2)}\n`, 'utf8');
}
