let lastMs = NaN;
let lastText = '';

/**
 * oneM2M timestamps: ISO 8601 basic format "YYYYMMDDTHHMMSS,ffffff" in UTC
 * (TS-0004 §6.3.3 m2m:timestamp). Fixed width, so they sort as strings.
 */
export function toM2MTime(ms: number): string {
  // Many resources are stamped within the same millisecond: format it once.
  if (ms === lastMs) return lastText;
  const iso = new Date(ms).toISOString(); // 2026-11-22T01:02:03.456Z
  lastMs = ms;
  lastText = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)},${iso.slice(20, 23)}000`;
  return lastText;
}

const BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:[,.](\d{1,9}))?Z?$/;

/** Parses a oneM2M timestamp to epoch milliseconds; undefined when malformed. */
export function parseM2MTime(s: string): number | undefined {
  const m = BASIC.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac] = m;
  const ms = Date.UTC(
    +y!,
    +mo! - 1,
    +d!,
    +h!,
    +mi!,
    +sec!,
    frac ? Math.floor(+`0.${frac}` * 1000) : 0,
  );
  // Reject impossible dates that Date.UTC silently rolls over (e.g. 20260231).
  return toM2MTime(ms).slice(0, 15) === s.slice(0, 15) ? ms : undefined;
}

/** Parses an ISO 8601 duration such as "PT5S" or "PT1M30.5S" to milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return undefined;
  const [, d, h, mi, sec] = m;
  return ((+(d ?? 0) * 24 + +(h ?? 0)) * 60 + +(mi ?? 0)) * 60_000 + Math.round(+(sec ?? 0) * 1000);
}
