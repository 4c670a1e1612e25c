import { createAgent, describeSendError, sendRequest } from '../delivery/send.js';
import type { EventType } from '../events/catalog.js';
import { buildCases } from './cases.js';
import { explainRejectedEverything, judgeCase, judgeRedirects, judgeResponseTime } from './judge.js';
import type { CaseReport, CheckCase, CheckReport, ProbeOutcome } from './types.js';

/** Cases in flight at once: enough to finish in well under a second against a fast app, few enough for a dev server. */
export const CHECK_CONCURRENCY = 4;

export interface RunCheckOptions {
  url: URL;
  secret: string;
  eventTypes: readonly EventType[];
  /** How long to wait for each response, in ms. */
  timeoutMs: number;
  concurrency?: number;
}

/**
 * Runs the battery against a receiver and judges every case. Cases run a few at a time;
 * the requests within one case run in order. Never throws for network failures: they
 * become failed cases, and `unreachable` is set when no request got an HTTP response.
 */
export async function runCheck(options: RunCheckOptions): Promise<CheckReport> {
  const startedAt = new Date();
  const started = performance.now();
  const cases = buildCases({ secret: options.secret, eventTypes: options.eventTypes });
  const concurrency = Math.max(1, options.concurrency ?? CHECK_CONCURRENCY);
  const agent = createAgent(options.url, concurrency);

  const reports: CaseReport[] = new Array<CaseReport>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const checkCase = cases[index]!;
      const outcomes = await runCase(checkCase, options, agent);
      const report: CaseReport = {
        id: checkCase.id,
        group: checkCase.group,
        title: checkCase.title,
        expect: checkCase.expect === 'accept' ? '2xx' : '4xx',
        outcomes,
        verdict: judgeCase(checkCase, outcomes),
      };
      reports[index] = report;
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  } finally {
    agent.destroy();
  }

  const judged = explainRejectedEverything(reports, new Map(cases.map((item) => [item.id, item.expect])));
  const summaries: CaseReport[] = [
    { id: 'transport.response_time', group: 'transport', title: 'responses within the 10 s budget', expect: '-', outcomes: [], verdict: judgeResponseTime(judged) },
    { id: 'transport.no_redirect', group: 'transport', title: 'no response is a redirect', expect: '-', outcomes: [], verdict: judgeRedirects(judged) },
  ];

  const unreachable = judged.every((report) => report.outcomes.every((outcome) => outcome.statusCode === null));
  return {
    url: options.url.href,
    eventTypes: options.eventTypes,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    cases: [...judged, ...summaries],
    unreachable,
  };
}

async function runCase(checkCase: CheckCase, options: RunCheckOptions, agent: ReturnType<typeof createAgent>): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = [];
  for (const step of checkCase.probes) {
    const probe = step.build();
    const result = await sendRequest({ url: options.url, headers: probe.headers, body: probe.body, timeoutMs: options.timeoutMs, agent });
    outcomes.push({
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error ? describeSendError(result.error, options.url) : null,
      errorCode: result.error?.code ?? null,
      redirectLocation: result.redirectLocation ?? null,
    });
  }
  return outcomes;
}

/** Counts the results of a run. */
export function summarize(report: CheckReport): { total: number; passed: number; warnings: number; failed: number } {
  const count = (result: string): number => report.cases.filter((item) => item.verdict.result === result).length;
  return { total: report.cases.length, passed: count('pass'), warnings: count('warn'), failed: count('fail') };
}
