/** Formatting shared by the report's tables. */

export const fmt = (n: number, unit = '') =>
  Number.isFinite(n) ? `${n.toLocaleString('en-US')}${unit}` : 'n/a';

export function rows(title: string, entries: Array<[string, string]>): string[] {
  const width = Math.max(...entries.map(([k]) => k.length));
  return [title, ...entries.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''];
}
