/** The event types 7stamp publishes, plus `ping`, which is sent when an endpoint is tested. */
export const EVENT_TYPES = [
  'card_issued',
  'card_saved',
  'card_opened',
  'stamp_added',
  'goal_reached',
  'reward_issued',
  'voucher_issued',
  'voucher_redeemed',
  'voucher_expired',
  'lottery_played',
  'birthday_reached',
  'inactivity_trigger',
  'campaign_sent',
  'ping',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  card_issued: 'A customer joined: a stamp card was issued from a card template.',
  card_saved: 'The customer added the card to Apple Wallet or Google Wallet.',
  card_opened: 'The customer opened the card page or wallet pass.',
  stamp_added: 'Staff or the API added one or more stamps to a card.',
  goal_reached: 'A card reached its goal or a milestone on the way.',
  reward_issued: 'A reward was issued, in the format award, voucher or lottery.',
  voucher_issued: 'A smart voucher was issued and is active, with its redeem code.',
  voucher_redeemed: 'A voucher was redeemed, for example at the staff scanner.',
  voucher_expired: 'A voucher passed its expiry date without being redeemed.',
  lottery_played: 'The customer played a lottery reward, with its result.',
  birthday_reached: "It is the customer's birthday (alias: birthday).",
  inactivity_trigger: 'The customer has not collected a stamp for a set number of days (alias: inactive).',
  campaign_sent: 'A push or message campaign was sent to card holders.',
  ping: 'A test event, sent when an endpoint is pinged.',
};

/** Everyday names people use for some event types. */
export const EVENT_ALIASES: Readonly<Record<string, EventType>> = {
  birthday: 'birthday_reached',
  inactive: 'inactivity_trigger',
};

export function isEventType(name: string): name is EventType {
  return (EVENT_TYPES as readonly string[]).includes(name);
}

/** Resolves an event name or alias; returns undefined for an unknown name. */
export function resolveEventType(name: string): EventType | undefined {
  const normalized = name.trim().toLowerCase().replace(/[-.\s]/g, '_');
  if (isEventType(normalized)) return normalized;
  // An own-property check, because a plain lookup finds "constructor" and "__proto__" on Object.prototype.
  return Object.hasOwn(EVENT_ALIASES, normalized) ? EVENT_ALIASES[normalized] : undefined;
}

/** Returns the closest known event name to a typo, or undefined when none is close. */
export function suggestEventType(name: string): string | undefined {
  const candidates = [...EVENT_TYPES, ...Object.keys(EVENT_ALIASES)];
  const input = name.trim().toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const prefixMatch = candidates.find((candidate) => input.length >= 3 && candidate.startsWith(input));
  if (prefixMatch) return prefixMatch;
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

/** Levenshtein distance, small inputs only. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
