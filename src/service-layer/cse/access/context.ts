/**
 * accessControlContexts (`acco`) of an accessControlRule: the extra conditions
 * under which a rule grants its privileges (TS-0001 §9.6.2.1; TS-0004 §6.3.5
 * m2m:accessControlContexts, m2m:scheduleEntry). Supported are the time
 * windows (`actw`) and the originator's IP addresses (`acip`); location
 * regions (`aclr`) are rejected because this CSE has no way to locate an
 * originator.
 *
 * Validation and compilation share one parser, so whatever validateContext
 * accepts compiles to exactly the predicate that runs on each request.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { m2mError, TutelaError } from '../../../core/errors.js';

export interface AccessControlContext {
  actw?: string[];
  acip?: { ipv4?: string[]; ipv6?: string[] };
  aclr?: unknown;
}

/** A compiled schedule: per field, the allowed values (`undefined` = `*`). */
type Schedule = (Uint8Array | undefined)[];
interface CompiledEntry {
  windows?: Schedule[];
  ips?: BlockList;
}

/** m2m:scheduleEntry fields, in order, with their ranges (TS-0004 §6.3.5). */
const FIELDS = [
  ['second', 0, 59],
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['dayOfMonth', 1, 31],
  ['month', 1, 12],
  ['dayOfWeek', 0, 6], // 0 = Sunday, as Date#getUTCDay
  ['year', 1970, 9999],
] as const;
const FIELD_NAMES = FIELDS.map((f) => f[0]).join(' ');
const PART = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

function bad(message: string): never {
  throw m2mError.badRequest(message);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(v: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(v)) bad(`${path}: must be a list of ${what}, got ${kind(v)}`);
  return v;
}

/** One field: `*`, `n`, `a-b`, `*\/n`, `a-b/n`, or a comma list of those. */
function parseField(text: string, i: number, where: string): Uint8Array | undefined {
  const [name, min, max] = FIELDS[i]!;
  if (text === '*') return undefined;
  const allowed = new Uint8Array(max + 1);
  for (const part of text.split(',')) {
    const m = PART.exec(part);
    if (!m) bad(`${where} has ${name} "${part}" that is not a number, range, step or list`);
    const [, star, from, to, step] = m;
    let lo: number = min;
    let hi: number = max;
    if (!star) {
      lo = Number(from);
      hi = to === undefined ? lo : Number(to);
      for (const v of [lo, hi]) {
        if (v < min || v > max) bad(`${where} has ${name} ${v} out of range ${min}-${max}`);
      }
      if (lo > hi) bad(`${where} has ${name} range ${part} whose start is after its end`);
      if (step !== undefined && to === undefined) {
        bad(`${where} has ${name} step "${part}": a step needs * or a range before it`);
      }
    }
    const by = step === undefined ? 1 : Number(step);
    if (by < 1) bad(`${where} has ${name} step ${by}, must be at least 1`);
    for (let v = lo; v <= hi; v += by) allowed[v] = 1;
  }
  return allowed;
}

function parseSchedule(entry: unknown, path: string): Schedule {
  if (typeof entry !== 'string') bad(`${path}: must be a string, got ${kind(entry)}`);
  const where = `${path}: ${JSON.stringify(entry)}`;
  const parts = entry.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    bad(`${where} has ${parts.length} field(s), expected 7 (${FIELD_NAMES})`);
  }
  return parts.map((p, i) => parseField(p, i, where));
}

/** Plain address or CIDR block, in the family its list names (TS-0004 m2m:ipv4/m2m:ipv6). */
function addIp(list: BlockList, text: unknown, family: 'ipv4' | 'ipv6', path: string): void {
  if (typeof text !== 'string') bad(`${path}: must be a string, got ${kind(text)}`);
  const [addr = '', prefix, extra] = text.split('/');
  const v4 = family === 'ipv4';
  // A zone index (fe80::1%eth0) only means something on the host that wrote it.
  if (extra !== undefined || addr.includes('%') || !(v4 ? isIPv4(addr) : isIPv6(addr))) {
    bad(`${path}: "${text}" is not an ${v4 ? 'IPv4' : 'IPv6'} address or CIDR block`);
  }
  if (prefix === undefined) return list.addAddress(addr, family);
  const bits = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    bad(`${path}: "${text}" has prefix length "${prefix}", expected 0-${bits}`);
  }
  // BlockList masks host bits itself, so 10.1.2.3/8 means 10.0.0.0/8.
  list.addSubnet(addr, Number(prefix), family);
}

function compileEntry(e: unknown, path: string): CompiledEntry {
  if (!isObject(e)) bad(`${path}: must be an object, got ${kind(e)}`);
  const out: CompiledEntry = {};
  for (const [key, value] of Object.entries(e)) {
    const at = `${path}.${key}`;
    if (key === 'aclr') {
      bad(`${at}: accessControlLocationRegion is not supported by this CSE`);
    } else if (key === 'actw') {
      const list = listOf(value, at, 'schedule entries');
      // An empty list would silently never match; say so instead.
      if (list.length === 0) bad(`${at}: must list at least one schedule entry`);
      out.windows = list.map((s, i) => parseSchedule(s, `${at}[${i}]`));
    } else if (key === 'acip') {
      if (!isObject(value))
        bad(`${at}: must be an object with ipv4 and/or ipv6, got ${kind(value)}`);
      const ips = new BlockList();
      let count = 0;
      for (const [fam, addrs] of Object.entries(value)) {
        if (fam !== 'ipv4' && fam !== 'ipv6')
          bad(`${at}: unknown attribute "${fam}" (expected ipv4, ipv6)`);
        const list = listOf(addrs, `${at}.${fam}`, 'addresses');
        list.forEach((a, i) => addIp(ips, a, fam, `${at}.${fam}[${i}]`));
        count += list.length;
      }
      if (count === 0) bad(`${at}: must list at least one ipv4 or ipv6 address`);
      out.ips = ips;
    } else {
      bad(`${path}: unknown attribute "${key}" (expected actw, acip)`);
    }
  }
  return out;
}

function compileAll(acco: unknown): CompiledEntry[] {
  return listOf(acco, 'acco', 'accessControlContexts').map((e, i) => compileEntry(e, `acco[${i}]`));
}

/** Undefined when `acco` is valid, else what is wrong (for a 4000 BAD_REQUEST). */
export function validateContext(acco: unknown): string | undefined {
  try {
    compileAll(acco);
    return undefined;
  } catch (err) {
    if (err instanceof TutelaError) return err.message;
    throw err;
  }
}

function matches(s: Schedule, v: number[]): boolean {
  for (let i = 0; i < s.length; i++) {
    const allowed = s[i];
    // Out-of-range values (year 10000) index past the array and fail.
    if (allowed && allowed[v[i]!] !== 1) return false;
  }
  return true;
}

/**
 * Compiles `acco` into the per-request check (throws a 4000 TutelaError if it
 * is invalid). Semantics (TS-0001 §9.6.2.1): the contexts are alternatives,
 * so ANY entry may match; within an entry ALL present conditions must hold;
 * `actw` holds when ANY of its windows contains `now`; `acip` when the IP is
 * in any listed address or block. No entries means no context restriction.
 *
 * Times are UTC. When a schedule restricts both dayOfMonth and dayOfWeek,
 * both must match (AND, so `* * * 13 * 5 *` is Friday the 13th), unlike
 * classic cron's OR: the spec does not say, and AND is the less surprising
 * reading of "all fields match".
 *
 * IPv4-mapped IPv6 request addresses (::ffff:127.0.0.1, as Node's dual-stack
 * sockets report them) match IPv4 rules: BlockList#check documents that
 * behaviour, so no address conversion is done here.
 */
export function compileContexts(
  acco: AccessControlContext[],
): (req: { now: Date; ip: string }) => boolean {
  const entries = compileAll(acco);
  if (entries.length === 0) return () => true;
  return ({ now, ip }) => {
    const v = [
      now.getUTCSeconds(),
      now.getUTCMinutes(),
      now.getUTCHours(),
      now.getUTCDate(),
      now.getUTCMonth() + 1,
      now.getUTCDay(),
      now.getUTCFullYear(),
    ];
    const zone = ip.indexOf('%');
    const host = zone < 0 ? ip : ip.slice(0, zone);
    const family = isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : undefined;
    return entries.some(
      (e) =>
        (!e.windows || e.windows.some((s) => matches(s, v))) &&
        (!e.ips || (family !== undefined && e.ips.check(host, family))),
    );
  };
}
