import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * The errors the Things and their consumer report, on top of the one error
 * module. Thing interactions are plain HTTP (TD 1.1 §8.3.1), not oneM2M, so
 * a 401 is needed that no oneM2M response status code maps to: the subclass
 * fixes the status, and the rsc is the nearest oneM2M meaning.
 */
export class UnauthenticatedError extends TutelaError {
  override readonly status = 401;

  /** `tokenPresented`: a credential was sent but is not valid (RFC 6750 §3.1 invalid_token). */
  constructor(
    message: string,
    readonly tokenPresented: boolean,
  ) {
    super('unauthenticated', Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, message);
  }
}

export const thingError = {
  badRequest: (msg: string) => new TutelaError('bad_request', Rsc.BAD_REQUEST, msg),
  forbidden: (msg: string) => new TutelaError('forbidden', Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg),
  notFound: (msg: string) => new TutelaError('not_found', Rsc.NOT_FOUND, msg),
  notAllowed: (msg: string) =>
    new TutelaError('method_not_allowed', Rsc.OPERATION_NOT_ALLOWED, msg),
  conflict: (msg: string) => new TutelaError('conflict', Rsc.CONFLICT, msg),
};

/** oneM2M meaning of a Thing's HTTP answer, for code that handles TutelaErrors generically. */
function rscForHttp(status: number): number {
  if (status === 400) return Rsc.BAD_REQUEST;
  if (status === 401 || status === 403) return Rsc.ORIGINATOR_HAS_NO_PRIVILEGE;
  if (status === 404) return Rsc.NOT_FOUND;
  if (status === 405) return Rsc.OPERATION_NOT_ALLOWED;
  if (status === 409) return Rsc.CONFLICT;
  return Rsc.INTERNAL_SERVER_ERROR;
}

/** A Thing answered an interaction with an error; what it said is kept for the caller. */
export class ThingRequestError extends TutelaError {
  constructor(
    readonly httpStatus: number,
    /** The Thing's own error code (`error` in its JSON body), when it gave one. */
    readonly remoteCode: string | undefined,
    message: string,
  ) {
    super('thing_request_failed', rscForHttp(httpStatus), message);
  }
}
