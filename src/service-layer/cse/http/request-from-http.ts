import type { FastifyRequest } from 'fastify';
import { m2mError, Rsc } from '../../../core/errors.js';
import { parseM2MTime } from '../model/time.js';
import { Operation, Ty } from '../model/types.js';
import { SUPPORTED_RELEASES } from '../procedures/execute.js';
import type { FilterCriteria, M2MRequest } from '../procedures/request.js';

const METHOD_OPS: Record<string, Operation> = {
  POST: Operation.CREATE,
  GET: Operation.RETRIEVE,
  HEAD: Operation.RETRIEVE,
  PUT: Operation.UPDATE,
  DELETE: Operation.DELETE,
};

const ORIGINATOR = /^[A-Za-z0-9._~:@/-]{1,256}$/;
const REQUEST_ID = /^[\x21-\x7e]{1,256}$/;
const QUERY_KEYS = new Set([
  'rcn',
  'fu',
  'ty',
  'lbl',
  'cra',
  'crb',
  'lim',
  'lvl',
  'ofst',
  'drt',
  'rt',
]);

/** Turns an HTTP request into a request primitive (TS-0009 §6.3, §6.4.2–6.4.3). */
export function requestFromHttp(request: FastifyRequest): M2MRequest {
  const op = METHOD_OPS[request.method];
  if (op === undefined)
    throw m2mError.notAllowed(`HTTP method ${request.method} has no oneM2M operation`);
  const rqi = header(request, 'x-m2m-ri');
  if (rqi === undefined)
    throw m2mError.badRequest('X-M2M-RI header (request identifier) is missing');
  if (!REQUEST_ID.test(rqi))
    throw m2mError.badRequest('X-M2M-RI must be 1 to 256 printable characters');
  const rvi = header(request, 'x-m2m-rvi') ?? '2a';
  if (!SUPPORTED_RELEASES.includes(rvi)) {
    throw m2mError.of(
      Rsc.RELEASE_VERSION_NOT_SUPPORTED,
      'release_not_supported',
      `X-M2M-RVI "${rvi}" is not supported (use one of ${SUPPORTED_RELEASES.join(', ')})`,
    );
  }
  const ty = typeFromContentType(request.headers['content-type']);
  const fr = header(request, 'x-m2m-origin') ?? '';
  if (fr === '' && !(op === Operation.CREATE && ty === Ty.AE))
    throw m2mError.badRequest('X-M2M-Origin header (originator) is missing');
  if (fr !== '' && !ORIGINATOR.test(fr))
    throw m2mError.badRequest('X-M2M-Origin is not a valid originator identifier');
  const rawUrl = request.raw.url ?? '/';
  const q = rawUrl.indexOf('?');
  let to: string;
  try {
    to = decodeURIComponent(q < 0 ? rawUrl : rawUrl.slice(0, q));
  } catch {
    throw m2mError.badRequest('the request path is not valid percent-encoding');
  }
  const query = (request.query ?? {}) as Record<string, string | string[]>;
  const { fc, rcn, drt } = parseQuery(query);
  if ((op === Operation.CREATE || op === Operation.UPDATE) && request.body === undefined) {
    throw m2mError.badRequest(`${op === Operation.CREATE ? 'CREATE' : 'UPDATE'} needs a JSON body`);
  }
  return {
    op,
    to,
    fr,
    rqi,
    rvi,
    ...(ty !== undefined ? { ty } : {}),
    pc: request.body,
    ...(rcn !== undefined ? { rcn } : {}),
    fc,
    drt,
    ip: request.ip,
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** "application/json;ty=3" → 3 (TS-0009 §6.4.7: the resource type rides on Content-Type). */
function typeFromContentType(ct: string | undefined): number | undefined {
  if (!ct) return undefined;
  const m = /;\s*ty\s*=\s*([^;\s]*)/i.exec(ct);
  if (!m) return undefined;
  if (!/^\d{1,4}$/.test(m[1]!))
    throw m2mError.badRequest(`Content-Type parameter ty="${m[1]}" is not a resource type number`);
  return Number(m[1]);
}

function parseQuery(query: Record<string, string | string[]>) {
  for (const key of Object.keys(query)) {
    if (!QUERY_KEYS.has(key))
      throw m2mError.badRequest(`query parameter "${key}" is not supported`);
  }
  const list = (k: string) =>
    ([] as string[])
      .concat(query[k] ?? [])
      .flatMap((v) => v.split(/[+ ]/))
      .filter((v) => v.length > 0);
  const int = (k: string, min: number, max: number): number | undefined => {
    const values = list(k);
    if (values.length === 0) return undefined;
    const n = Number(values[0]);
    if (values.length > 1 || !Number.isInteger(n) || n < min || n > max) {
      throw m2mError.badRequest(`query parameter ${k} must be one integer from ${min} to ${max}`);
    }
    return n;
  };
  const time = (k: string): string | undefined => {
    const v = list(k)[0];
    if (v !== undefined && parseM2MTime(v) === undefined)
      throw m2mError.badRequest(
        `query parameter ${k} must be a oneM2M timestamp (YYYYMMDDTHHMMSS)`,
      );
    return v;
  };
  const rt = int('rt', 1, 3);
  if (rt !== undefined && rt !== 3)
    throw m2mError.of(
      Rsc.NOT_IMPLEMENTED,
      'not_implemented',
      'only blocking requests (rt=3) are supported',
    );
  const fc: FilterCriteria = {};
  const fu = int('fu', 1, 2);
  if (fu !== undefined) fc.fu = fu as 1 | 2;
  const ty = list('ty').map((v) => {
    if (!/^\d{1,4}$/.test(v))
      throw m2mError.badRequest(`query parameter ty="${v}" is not a resource type number`);
    return Number(v);
  });
  if (ty.length > 0) fc.ty = ty;
  const lbl = list('lbl');
  if (lbl.length > 0) fc.lbl = lbl;
  const cra = time('cra');
  if (cra) fc.cra = cra;
  const crb = time('crb');
  if (crb) fc.crb = crb;
  const lim = int('lim', 0, 1_000_000);
  if (lim !== undefined) fc.lim = lim;
  const lvl = int('lvl', 1, 64);
  if (lvl !== undefined) fc.lvl = lvl;
  const ofst = int('ofst', 0, 1_000_000);
  if (ofst !== undefined) fc.ofst = ofst;
  return { fc, rcn: int('rcn', 0, 11), drt: (int('drt', 1, 2) ?? 1) as 1 | 2 };
}
