import type { EventType } from '../events/catalog.js';

/** The response a correct receiver gives to a case's deliveries: a 2xx (accept) or a 4xx (reject). */
export type Expectation = 'accept' | 'reject';

/** The sections of the battery, also used as the JUnit class names. */
export type CaseGroup = 'delivery' | 'forged' | 'rotation' | 'idempotency' | 'body' | 'transport';

/** One HTTP request of a case: the exact headers and body bytes to send. */
export interface Probe {
  headers: Record<string, string>;
  body: Buffer;
}

/** The settings a case needs to build its requests. */
export interface CaseContext {
  secret: string;
  /** The event types under test, in catalog order; the first one carries the forged and body cases. */
  eventTypes: readonly EventType[];
}

/** Text shown when the receiver responds to a case the wrong way. */
export interface WrongAnswerText {
  /** One line that explains what the response means. */
  reason: string;
  /** The change to make in the receiver. */
  fix: string;
}

/** One request of a case, built right before it is sent. */
export interface ProbeStep {
  /** Names the request in a reason when a case sends more than one, such as "the retry". */
  label: string;
  /** Called right before the send, so a retry gets a fresh timestamp and signature as a real retry does. */
  build: () => Probe;
  /** Replaces the case's text for this request. */
  wrongAnswer?: WrongAnswerText;
}

/** One case of the battery, kept as data: how to build its requests and how to explain a wrong response. */
export interface CheckCase {
  /** Stable id for scripts and JUnit, such as `forged.tampered_body`. */
  id: string;
  group: CaseGroup;
  /** A short description, such as "tampered body (one byte changed)". */
  title: string;
  expect: Expectation;
  /** Requests sent one after another; the case passes only when each gets the expected response. */
  probes: ProbeStep[];
  /** Text for a 2xx to a `reject` case, or a 4xx to an `accept` case. */
  wrongAnswer: WrongAnswerText;
  /** Replaces the generic fix when a `reject` case gets a 5xx, where a common bug explains it. */
  serverErrorFix?: string;
}

/** The measured outcome of one request. */
export interface ProbeOutcome {
  statusCode: number | null;
  durationMs: number;
  /** Plain-words failure when no response came, such as "connection refused: …". */
  error: string | null;
  /** The Node.js error code when no response came, such as `ECONNREFUSED`. */
  errorCode: string | null;
  redirectLocation: string | null;
}

export type VerdictResult = 'pass' | 'warn' | 'fail';

/** The judgement on one case: a result, a one-line reason, and the fix when it did not pass. */
export interface Verdict {
  result: VerdictResult;
  reason: string;
  fix: string | null;
}

/** One case after it ran. */
export interface CaseReport {
  id: string;
  group: CaseGroup;
  title: string;
  /** `2xx` or `4xx`; `-` for the summary cases that send nothing themselves. */
  expect: '2xx' | '4xx' | '-';
  outcomes: ProbeOutcome[];
  verdict: Verdict;
}

/** The whole run. */
export interface CheckReport {
  url: string;
  eventTypes: readonly EventType[];
  startedAt: Date;
  durationMs: number;
  cases: CaseReport[];
  /** True when no request of any case got an HTTP response. */
  unreachable: boolean;
}
