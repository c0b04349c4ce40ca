/**
 * Readable text for answers: a two-column list for one object, a table for a list of objects.
 * Generic on purpose, so that a new member in an answer shows up without a CLI change.
 */

export function renderFields(record: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '(empty)\n';
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)}  ${formatValue(value)}\n`).join('');
}

export function renderTable(
  rows: readonly Readonly<Record<string, unknown>>[],
  empty: string,
): string {
  if (rows.length === 0) return `${empty}\n`;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => formatValue(row[column])));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((line) => line[index].length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => (index === values.length - 1 ? value : value.padEnd(widths[index])))
      .join('  ')
      .concat('\n');
  return line(columns) + cells.map(line).join('');
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
