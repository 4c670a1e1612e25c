import type { ChalkInstance } from 'chalk';

/** One column of a table: its heading and how to read the cell text from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colours the padded cell text; the width is measured before colouring. */
  style?: (text: string, row: T) => string;
}

/**
 * Formats rows as a table with a heading and columns separated by two spaces. Cells are
 * padded to the widest value, and the last column is not padded, so no line ends in spaces.
 */
export function formatTable<T>(columns: Array<Column<T>>, rows: T[], color: ChalkInstance): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index]!.length)));
  const lastIndex = columns.length - 1;

  const heading = columns.map((column, index) => (index === lastIndex ? column.header : column.header.padEnd(widths[index]!)));
  const lines = [color.bold(heading.join('  ').trimEnd())];

  rows.forEach((row, rowIndex) => {
    const parts = columns.map((column, index) => {
      const text = cells[rowIndex]![index]!;
      const padded = index === lastIndex ? text : text.padEnd(widths[index]!);
      return column.style ? column.style(padded, row) : padded;
    });
    lines.push(parts.join('  ').trimEnd());
  });
  return lines.join('\n');
}

/** Formats `label: value` pairs with the labels aligned, for `show` commands. */
export function formatFields(fields: Array<[string, string]>, color: ChalkInstance): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${color.dim(`${label}:`.padEnd(width + 1))} ${value}`).join('\n');
}
