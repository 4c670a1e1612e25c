import type { ChalkInstance } from 'chalk';
import { formatMs } from '../output/duration.js';
import { summarize } from './run.js';
import type { CaseReport, CheckReport, VerdictResult } from './types.js';

const LABELS: Record<VerdictResult, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' };

function colorResult(result: VerdictResult, color: ChalkInstance, width = 0): string {
  const label = LABELS[result].padEnd(width);
  if (result === 'pass') return color.green(label);
  return result === 'warn' ? color.yellow(label) : color.red.bold(label);
}

function statusText(report: CaseReport): string {
  if (report.outcomes.length === 0) return '-';
  return report.outcomes.map((outcome) => (outcome.statusCode === null ? 'none' : String(outcome.statusCode))).join(',');
}

function timeText(report: CaseReport): string {
  if (report.outcomes.length === 0) return '-';
  return formatMs(report.outcomes.reduce((sum, outcome) => sum + outcome.durationMs, 0));
}

/** Formats the run as an aligned table for a terminal, with each fix on the line below its case. */
export function formatTable(report: CheckReport, color: ChalkInstance): string[] {
  const idWidth = Math.max(4, ...report.cases.map((item) => item.id.length));
  const statusWidth = Math.max(6, ...report.cases.map((item) => statusText(item).length));
  const timeWidth = Math.max(4, ...report.cases.map((item) => timeText(item).length));
  const indent = ' '.repeat('RESULT'.length + 2 + idWidth + 2 + statusWidth + 2 + timeWidth + 2);

  const lines = [color.dim(`${'RESULT'}  ${'CASE'.padEnd(idWidth)}  ${'STATUS'.padEnd(statusWidth)}  ${'TIME'.padEnd(timeWidth)}  REASON`)];
  for (const item of report.cases) {
    const result = colorResult(item.verdict.result, color, 'RESULT'.length);
    lines.push(`${result}  ${item.id.padEnd(idWidth)}  ${statusText(item).padEnd(statusWidth)}  ${timeText(item).padEnd(timeWidth)}  ${item.verdict.reason}`);
    if (item.verdict.fix && item.verdict.result !== 'pass') lines.push(`${indent}${color.cyan(`fix: ${item.verdict.fix}`)}`);
  }
  lines.push('', formatSummary(report, color));
  return lines;
}

/** Formats the run as plain lines, one per case and one per fix, for logs and pipes. */
export function formatLines(report: CheckReport, color: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const item of report.cases) {
    lines.push(`${colorResult(item.verdict.result, color)} ${item.id}: ${item.verdict.reason}`);
    if (item.verdict.fix && item.verdict.result !== 'pass') lines.push(`     fix: ${item.verdict.fix}`);
  }
  lines.push(formatSummary(report, color));
  return lines;
}

/** Formats the closing line: how many cases passed, warned and failed. */
export function formatSummary(report: CheckReport, color: ChalkInstance): string {
  const counts = summarize(report);
  const parts = [color.green(`${counts.passed} passed`)];
  if (counts.warnings > 0) parts.push(color.yellow(`${counts.warnings} ${counts.warnings === 1 ? 'warning' : 'warnings'}`));
  parts.push(counts.failed > 0 ? color.red(`${counts.failed} failed`) : `${counts.failed} failed`);
  return `${counts.total} cases against ${report.url}: ${parts.join(', ')} in ${formatMs(report.durationMs)}`;
}

/** Builds the `--json` document: the run, its counts and every case with its requests. */
export function toJsonDocument(report: CheckReport): Record<string, unknown> {
  const counts = summarize(report);
  return {
    url: report.url,
    ok: counts.failed === 0,
    started_at: report.startedAt.toISOString(),
    duration_ms: report.durationMs,
    event_types: report.eventTypes,
    summary: counts,
    cases: report.cases.map((item) => ({
      id: item.id,
      group: item.group,
      title: item.title,
      expect: item.expect,
      result: item.verdict.result,
      reason: item.verdict.reason,
      fix: item.verdict.fix,
      requests: item.outcomes.map((outcome) => ({
        status_code: outcome.statusCode,
        duration_ms: outcome.durationMs,
        error: outcome.error,
        error_code: outcome.errorCode,
        redirect_location: outcome.redirectLocation,
      })),
    })),
  };
}
