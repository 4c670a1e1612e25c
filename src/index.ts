// The library API for receivers' backends: `import { verifySignature } from 'stamp7'`.
export {
  SIGNATURE_HEADER,
  SIGNATURE_SCHEME,
  DEFAULT_TOLERANCE_SECONDS,
  computeSignature,
  signPayload,
  parseSignatureHeader,
  verifySignature,
  constructEvent,
  SignatureVerificationError,
} from './signing/index.js';
export type { Body, VerifyOptions, VerifyResult, VerifyFailureReason, ParsedSignatureHeader, SignOptions } from './signing/index.js';
export { EVENT_TYPES, EVENT_DESCRIPTIONS, EVENT_ALIASES, resolveEventType } from './events/catalog.js';
export type { EventType } from './events/catalog.js';
export type {
  WebhookEvent,
  EventOfType,
  EventBase,
  EventCustomer,
  EventCard,
  EventMilestone,
  EventVoucher,
  EventReward,
  RewardFormat,
  RedeemCodeFormat,
  VoucherStatus,
  CardIssuedEvent,
  CardSavedEvent,
  CardOpenedEvent,
  StampAddedEvent,
  GoalReachedEvent,
  RewardIssuedEvent,
  VoucherIssuedEvent,
  VoucherRedeemedEvent,
  VoucherExpiredEvent,
  LotteryPlayedEvent,
  BirthdayReachedEvent,
  InactivityTriggerEvent,
  CampaignSentEvent,
  PingEvent,
} from './events/types.js';
