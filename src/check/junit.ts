import { summarize } from './run.js';
import type { CheckReport } from './types.js';

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 on, except lone
// surrogates and U+FFFE/U+FFFF. Anything else (such as an ANSI escape) would make the file unreadable.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for an XML element or a double-quoted attribute and drops characters XML cannot carry. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Escapes an attribute value, keeping line breaks, which parsers would otherwise fold into spaces. */
function attribute(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Renders the run as a JUnit XML report: one test suite, one test case per check case, a
 * `<failure>` with the reason and the fix for each failed case, and warnings in `<system-out>`.
 */
export function renderJunit(report: CheckReport): string {
  const counts = summarize(report);
  const suiteAttributes = `tests="${counts.total}" failures="${counts.failed}" errors="0" skipped="0" time="${seconds(report.durationMs)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="stamp7 check" ${suiteAttributes}>`,
    `  <testsuite name="${attribute(`stamp7 check ${report.url}`)}" ${suiteAttributes} timestamp="${report.startedAt.toISOString().slice(0, 19)}">`,
    '    <properties>',
    `      <property name="url" value="${attribute(report.url)}"/>`,
    `      <property name="event_types" value="${attribute(report.eventTypes.join(','))}"/>`,
    '    </properties>',
  ];

  for (const item of report.cases) {
    const timeMs = item.outcomes.reduce((sum, outcome) => sum + outcome.durationMs, 0);
    const open = `    <testcase classname="stamp7.check.${item.group}" name="${attribute(`${item.id}: ${item.title}`)}" time="${seconds(timeMs)}"`;
    if (item.verdict.result === 'pass') {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    const detail = item.verdict.fix ? `${item.verdict.reason}\nfix: ${item.verdict.fix}` : item.verdict.reason;
    if (item.verdict.result === 'fail') {
      lines.push(`      <failure message="${attribute(item.verdict.reason)}" type="${item.id}">${escapeXml(detail)}</failure>`);
    } else {
      lines.push(`      <system-out>${escapeXml(`warning: ${detail}`)}</system-out>`);
    }
    lines.push('    </testcase>');
  }

  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
