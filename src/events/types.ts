/**
 * TypeScript types of the event bodies that 7stamp deliveries carry, one per event type,
 * and the union `WebhookEvent` that narrows on `event`. `fixtures/<type>.json` holds one
 * realistic body of each. Receivers may see fields that are not listed here, so code that
 * reads a body should ignore what it does not know.
 */

/** Fields every event body has. */
export interface EventBase {
  /** `evt_…`, unique per event and the same on every retry of it. */
  id: string;
  /** ISO 8601 UTC time at which the event happened. */
  timestamp: string;
  business_id: string;
}

/** A body that belongs to one location of the business. */
export interface LocatedEventBase extends EventBase {
  location_id: string;
}

/** A customer's language is a BCP 47 tag such as `en`, `es` or `ja`. */
export interface EventCustomer {
  id: string;
  wallet_pass_id: string;
  language: string;
  name?: string;
  /** Month and day, `MM-DD`; present on `birthday_reached`. */
  birthday?: string;
}

/** A stamp card. `goal_index` is the position of the current goal in the card template's milestones. */
export interface EventCard {
  id: string;
  goal_index: number;
  template_id?: string;
  template_name?: string;
  template_version?: number;
  stamps?: number;
  stamps_required?: number;
  milestones?: EventMilestone[];
}

export type RewardFormat = 'award' | 'voucher' | 'lottery';
export type RedeemCodeFormat = 'text' | 'qr' | 'barcode';
/** A smart voucher's lifecycle: issued, then active, then redeemed or expired. */
export type VoucherStatus = 'issued' | 'active' | 'redeemed' | 'expired';

/** A goal or milestone of a card template and the reward it gives. */
export interface EventMilestone {
  index: number;
  stamps: number;
  reward_format: RewardFormat;
  reward_name: string;
}

export interface EventVoucher {
  id: string;
  type: 'voucher';
  reward_id?: string;
  title?: string;
  redeem_code: string;
  redeem_code_formats: RedeemCodeFormat[];
  status: VoucherStatus;
  issued_at?: string;
  expires_at?: string;
  /** How the voucher was redeemed, such as `staff_scanner` or `api`. */
  redeemed_via?: string;
}

export interface EventReward {
  id: string;
  format: RewardFormat;
  name: string;
  milestone_index?: number;
  /** Set when the format is `voucher`. */
  voucher_id?: string;
}

/** Fields of the events about one customer's card. */
export interface CardEventBase extends LocatedEventBase {
  customer: EventCustomer;
  card: EventCard;
}

export interface CardIssuedEvent extends CardEventBase {
  event: 'card_issued';
  /** Where the customer signed up, such as `signup_form`, `qr_code` or `api`. */
  issued_via: string;
}

export interface CardSavedEvent extends CardEventBase {
  event: 'card_saved';
  wallet: 'apple_wallet' | 'google_wallet';
}

export interface CardOpenedEvent extends CardEventBase {
  event: 'card_opened';
  opened_from: 'apple_wallet' | 'google_wallet' | 'web';
}

export interface StampAddedEvent extends CardEventBase {
  event: 'stamp_added';
  stamp: {
    count: number;
    /** `staff_scanner`, `api` or `automation`. */
    added_via: string;
    staff_id?: string;
    note?: string;
  };
}

export interface GoalReachedEvent extends CardEventBase {
  event: 'goal_reached';
  goal: {
    index: number;
    stamps: number;
    /** True for the card's last goal, false for a milestone on the way. */
    is_final: boolean;
    reward_format: RewardFormat;
    reward_name: string;
  };
}

export interface RewardIssuedEvent extends CardEventBase {
  event: 'reward_issued';
  reward: EventReward;
}

export interface VoucherIssuedEvent extends CardEventBase {
  event: 'voucher_issued';
  voucher: EventVoucher;
}

export interface VoucherRedeemedEvent extends CardEventBase {
  event: 'voucher_redeemed';
  voucher: EventVoucher;
}

export interface VoucherExpiredEvent extends CardEventBase {
  event: 'voucher_expired';
  voucher: EventVoucher;
}

export interface LotteryPlayedEvent extends CardEventBase {
  event: 'lottery_played';
  lottery: {
    id: string;
    reward_id: string;
    result: 'won' | 'lost';
    /** Null when the result is `lost`. */
    prize: { name: string; reward_format: RewardFormat; voucher_id?: string } | null;
    /** The chance of winning, from 0 to 1. */
    odds?: number;
  };
}

export interface BirthdayReachedEvent extends CardEventBase {
  event: 'birthday_reached';
  reward?: EventReward;
}

export interface InactivityTriggerEvent extends CardEventBase {
  event: 'inactivity_trigger';
  inactivity: {
    days_inactive: number;
    threshold_days: number;
    last_stamp_at: string;
  };
}

export interface CampaignSentEvent extends EventBase {
  event: 'campaign_sent';
  /** Null when the campaign went to every location. */
  location_id: string | null;
  campaign: {
    id: string;
    name: string;
    channel: 'push' | 'email' | 'sms';
    audience: string;
    template_id?: string;
    recipient_count: number;
    message: string;
  };
}

export interface PingEvent extends EventBase {
  event: 'ping';
  /** The endpoint that was pinged, `we_…`. */
  endpoint_id: string;
  message: string;
}

/** Any event body; narrow it with a check on `event`. */
export type WebhookEvent =
  | CardIssuedEvent
  | CardSavedEvent
  | CardOpenedEvent
  | StampAddedEvent
  | GoalReachedEvent
  | RewardIssuedEvent
  | VoucherIssuedEvent
  | VoucherRedeemedEvent
  | VoucherExpiredEvent
  | LotteryPlayedEvent
  | BirthdayReachedEvent
  | InactivityTriggerEvent
  | CampaignSentEvent
  | PingEvent;

/** The body type of one event type, such as `EventOfType<'stamp_added'>`. */
export type EventOfType<T extends WebhookEvent['event']> = Extract<WebhookEvent, { event: T }>;
