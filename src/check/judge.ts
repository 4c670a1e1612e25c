import { DELIVERY_TIMEOUT_MS } from '../delivery/send.js';
import { formatMs } from '../output/duration.js';
import type { CaseReport, CheckCase, ProbeOutcome, Verdict, WrongAnswerText } from './types.js';

/** A response slower than this (80% of the 10 s budget) is a warning, because a busier day would push it over. */
export const SLOW_ANSWER_MS = 8_000;

const REDIRECT_REASON = 'the platform does not follow redirects, so every delivery would fail and be retried for 24 hours';

/** Judges one request's outcome against what the case expects. */
export function judgeOutcome(checkCase: CheckCase, outcome: ProbeOutcome, wrongAnswer: WrongAnswerText): Verdict {
  const status = outcome.statusCode;
  const took = formatMs(outcome.durationMs);

  if (status === null) {
    const timedOut = outcome.errorCode === 'ETIMEDOUT';
    return {
      result: 'fail',
      reason: outcome.error ?? 'no response',
      fix: timedOut
        ? 'respond within 10 s: acknowledge with 2xx first, then do slow work in the background'
        : 'start the app and make sure it listens on the URL you passed',
    };
  }
  if (status >= 300 && status < 400) {
    const target = outcome.redirectLocation ? ` to ${outcome.redirectLocation}` : '';
    return {
      result: 'fail',
      reason: `responded with a ${status} redirect${target}: ${REDIRECT_REASON}`,
      fix: outcome.redirectLocation ? `register the final URL (${outcome.redirectLocation}) as the endpoint URL` : 'register the final URL as the endpoint URL',
    };
  }
  return checkCase.expect === 'accept' ? judgeAccept(status, took, outcome.durationMs, wrongAnswer) : judgeReject(checkCase, status, took, wrongAnswer);
}

function judgeAccept(status: number, took: string, durationMs: number, wrongAnswer: WrongAnswerText): Verdict {
  if (status >= 200 && status < 300) {
    if (durationMs > DELIVERY_TIMEOUT_MS) {
      return {
        result: 'fail',
        reason: `responded with ${status} after ${took}, past the 10 s budget: the platform counts it as a failed attempt`,
        fix: 'respond within 10 s: acknowledge with 2xx first, then do slow work in the background',
      };
    }
    if (status !== 200) {
      return {
        result: 'warn',
        reason: `accepted with ${status} in ${took}; any 2xx counts as success, but 200 is the documented response`,
        fix: 'respond with 200',
      };
    }
    return { result: 'pass', reason: `accepted with 200 in ${took}`, fix: null };
  }
  if (status >= 400 && status < 500) {
    return { result: 'fail', reason: `${wrongAnswer.reason} (${status})`, fix: wrongAnswer.fix };
  }
  return {
    result: 'fail',
    reason: `responded with ${status} to a correctly signed delivery, so the platform would retry it for 24 hours`,
    fix: "read your app's log for the error; respond with 2xx once the signature is valid and do the work after responding",
  };
}

function judgeReject(checkCase: CheckCase, status: number, took: string, wrongAnswer: WrongAnswerText): Verdict {
  if (status >= 400 && status < 500) return { result: 'pass', reason: `rejected with ${status} in ${took}`, fix: null };
  if (status >= 200 && status < 300) return { result: 'fail', reason: `${wrongAnswer.reason} (${status})`, fix: wrongAnswer.fix };
  return {
    result: 'fail',
    reason: `rejected with ${status} instead of a 4xx: the platform retries 5xx responses for 24 hours, so a rejection should be a 4xx`,
    fix: checkCase.serverErrorFix ?? 'respond with 400 when verification fails, and catch errors thrown while verifying',
  };
}

/**
 * Judges a whole case from the outcomes of its requests, in order. The first request that
 * fails decides; with several requests the reason names which one.
 */
export function judgeCase(checkCase: CheckCase, outcomes: ProbeOutcome[]): Verdict {
  const verdicts = outcomes.map((outcome, index) => {
    const step = checkCase.probes[index]!;
    return { step, verdict: judgeOutcome(checkCase, outcome, step.wrongAnswer ?? checkCase.wrongAnswer) };
  });
  const several = verdicts.length > 1;
  const named = (label: string, verdict: Verdict): Verdict => (several ? { ...verdict, reason: `${label}: ${verdict.reason}` } : verdict);

  const failed = verdicts.find(({ verdict }) => verdict.result === 'fail');
  if (failed) return named(failed.step.label, failed.verdict);
  const warned = verdicts.find(({ verdict }) => verdict.result === 'warn');
  if (warned) return named(warned.step.label, warned.verdict);
  if (!several) return verdicts[0]!.verdict;
  return {
    result: 'pass',
    reason: verdicts.map(({ step, verdict }) => `${step.label} ${verdict.reason}`).join('; '),
    fix: null,
  };
}

/** Judges the slowest response of the run against the platform's 10 s budget. */
export function judgeResponseTime(cases: CaseReport[]): Verdict {
  const measured = cases.flatMap((report) => report.outcomes.map((outcome) => ({ id: report.id, outcome })));
  const timedOut = measured.find(({ outcome }) => outcome.errorCode === 'ETIMEDOUT');
  if (timedOut) {
    return {
      result: 'fail',
      reason: `${timedOut.id} got no response in time (${timedOut.outcome.error ?? 'timed out'})`,
      fix: 'respond within 10 s: acknowledge with 2xx first, then do slow work in the background',
    };
  }

  const answered = measured.filter(({ outcome }) => outcome.statusCode !== null);
  if (answered.length === 0) return { result: 'fail', reason: 'no request got a response to measure', fix: 'start the app and make sure it listens on the URL you passed' };

  const slowest = answered.reduce((worst, item) => (item.outcome.durationMs > worst.outcome.durationMs ? item : worst));
  const took = formatMs(slowest.outcome.durationMs);
  if (slowest.outcome.durationMs > DELIVERY_TIMEOUT_MS) {
    return {
      result: 'fail',
      reason: `the slowest response (${slowest.id}) took ${took}, past the 10 s budget`,
      fix: 'respond within 10 s: acknowledge with 2xx first, then do slow work in the background',
    };
  }
  if (slowest.outcome.durationMs > SLOW_ANSWER_MS) {
    return {
      result: 'warn',
      reason: `the slowest response (${slowest.id}) took ${took}, close to the 10 s budget`,
      fix: 'respond first and move slow work (API calls, emails) to a queue or background task',
    };
  }
  return { result: 'pass', reason: `the slowest of ${answered.length} responses took ${took}, within the 10 s budget`, fix: null };
}

/** Judges whether any response of the run was a redirect, which the platform treats as a failed attempt. */
export function judgeRedirects(cases: CaseReport[]): Verdict {
  const redirects = cases.flatMap((report) =>
    report.outcomes.filter((outcome) => outcome.statusCode !== null && outcome.statusCode >= 300 && outcome.statusCode < 400),
  );
  if (redirects.length === 0) return { result: 'pass', reason: 'no response was a redirect', fix: null };

  const first = redirects[0]!;
  const target = first.redirectLocation ? ` (${first.statusCode} to ${first.redirectLocation})` : ` (${first.statusCode})`;
  return {
    result: 'fail',
    reason: `${redirects.length} response${redirects.length === 1 ? ' was a redirect' : 's were redirects'}${target}: ${REDIRECT_REASON}`,
    fix: first.redirectLocation ? `register the final URL (${first.redirectLocation}) as the endpoint URL` : 'register the final URL as the endpoint URL',
  };
}

/**
 * Rewrites the verdicts of correctly signed cases when the receiver rejected every signed
 * delivery with a 4xx. Then one cause (usually a different secret) explains them all, and
 * the case-specific guesses, such as a re-serialised body, would mislead.
 */
export function explainRejectedEverything(reports: CaseReport[], expectations: ReadonlyMap<string, 'accept' | 'reject'>): CaseReport[] {
  const rejected = (report: CaseReport): boolean => report.outcomes.some((outcome) => outcome.statusCode !== null && outcome.statusCode >= 400 && outcome.statusCode < 500);
  const deliveries = reports.filter((report) => report.group === 'delivery');
  if (deliveries.length === 0 || !deliveries.every(rejected)) return reports;

  return reports.map((report) => {
    if (expectations.get(report.id) !== 'accept' || report.verdict.result !== 'fail' || !rejected(report)) return report;
    const status = report.outcomes.find((outcome) => outcome.statusCode !== null && outcome.statusCode >= 400)!.statusCode;
    return {
      ...report,
      verdict: {
        result: 'fail',
        reason: `your endpoint rejected a correctly signed delivery (${status}), as it rejected every signed delivery: the secret given to stamp7 check probably differs from the one your app verifies with`,
        fix: 'pass the secret your app uses (--secret or STAMP7_WEBHOOK_SECRET); if it is the same, check that the app verifies the raw body',
      },
    };
  });
}
