import { EVENT_DESCRIPTIONS, EVENT_TYPES, resolveEventType, suggestEventType } from '../events/catalog.js';
import { usageError } from '../errors.js';

/** The API's way of saying "every event type", in an endpoint's `events`. */
export const ALL_EVENTS = '*';

/**
 * Parses `--events a,b` into event type names, resolving aliases such as `birthday`.
 * `all` or `*` alone means every type. Throws a usage error naming the unknown type.
 */
export function parseEventsOption(text: string): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw usageError('--events is empty', 'pass event types separated by commas, such as --events voucher_redeemed,stamp_added, or --events all', 'invalid_events');
  }
  if (names.length === 1 && (names[0] === 'all' || names[0] === ALL_EVENTS)) return [ALL_EVENTS];

  const types: string[] = [];
  for (const name of names) {
    const type = resolveEventType(name);
    if (type === undefined) {
      const suggestion = suggestEventType(name);
      throw usageError(
        `unknown event type "${name}" in --events`,
        suggestion ? `did you mean ${suggestion}? Run stamp7 trigger --list to see every type` : `known types: ${EVENT_TYPES.join(', ')}`,
        'unknown_event_type',
      );
    }
    if (!types.includes(type)) types.push(type);
  }
  return types;
}

/** Offers the catalog as a multiselect on a TTY; "all event types" is the first choice. */
export async function promptEventTypes(): Promise<string[]> {
  const { promptMultiselect } = await import('../account/prompts.js');
  const choices = [
    { value: ALL_EVENTS, label: 'all event types', hint: 'including types added later' },
    ...EVENT_TYPES.filter((type) => type !== 'ping').map((type) => ({ value: type, label: type, hint: EVENT_DESCRIPTIONS[type] })),
  ];
  const picked = await promptMultiselect('Which events should this endpoint receive? (space selects, enter confirms)', choices);
  return picked.includes(ALL_EVENTS) ? [ALL_EVENTS] : picked;
}

/** Formats an endpoint's event list for tables and messages. */
export function describeEvents(events: string[]): string {
  return events.includes(ALL_EVENTS) ? 'all' : events.join(',');
}
