/**
 * The one error module. Every failure the platform reports carries a stable
 * code, an HTTP status and, where the oneM2M service layer answers, the
 * oneM2M response status code (TS-0004 §6.6.3.3). Serialisation to each wire
 * format happens in one place per binding (the CSE's HTTP binding, and later
 * the FHIR API's OperationOutcome).
 */

/** oneM2M response status codes used by Tutela (TS-0004 Table 6.6.3.3-1). */
export const Rsc = {
  OK: 2000,
  CREATED: 2001,
  DELETED: 2002,
  UPDATED: 2004,
  BAD_REQUEST: 4000,
  RELEASE_VERSION_NOT_SUPPORTED: 4001,
  NOT_FOUND: 4004,
  OPERATION_NOT_ALLOWED: 4005,
  REQUEST_TIMEOUT: 4008,
  SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE: 4101,
  CONTENTS_UNACCEPTABLE: 4102,
  ORIGINATOR_HAS_NO_PRIVILEGE: 4103,
  CONFLICT: 4105,
  ORIGINATOR_HAS_NOT_REGISTERED: 4106,
  SECURITY_ASSOCIATION_REQUIRED: 4107,
  INVALID_CHILD_RESOURCE_TYPE: 4108,
  ORIGINATOR_HAS_ALREADY_REGISTERED: 4117,
  INTERNAL_SERVER_ERROR: 5000,
  NOT_IMPLEMENTED: 5001,
  ALREADY_EXISTS: 5106,
  TARGET_NOT_SUBSCRIBABLE: 5203,
  SUBSCRIPTION_VERIFICATION_INITIATION_FAILED: 5204,
  NOT_ACCEPTABLE: 5207,
} as const;
export type Rsc = (typeof Rsc)[keyof typeof Rsc];

/** HTTP status for each oneM2M response status code (TS-0009 §6.4.3). */
export function httpStatusForRsc(rsc: number): number {
  switch (rsc) {
    case Rsc.OK:
    case Rsc.DELETED:
    case Rsc.UPDATED:
      return 200;
    case Rsc.CREATED:
      return 201;
    case Rsc.BAD_REQUEST:
    case Rsc.CONTENTS_UNACCEPTABLE:
    case Rsc.RELEASE_VERSION_NOT_SUPPORTED:
      return 400;
    case Rsc.ORIGINATOR_HAS_NO_PRIVILEGE:
    case Rsc.SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE:
    case Rsc.ORIGINATOR_HAS_NOT_REGISTERED:
    case Rsc.SECURITY_ASSOCIATION_REQUIRED:
    case Rsc.INVALID_CHILD_RESOURCE_TYPE:
      return 403;
    case Rsc.NOT_FOUND:
      return 404;
    case Rsc.OPERATION_NOT_ALLOWED:
      return 405;
    case Rsc.NOT_ACCEPTABLE:
      return 406;
    case Rsc.REQUEST_TIMEOUT:
      return 408;
    case Rsc.CONFLICT:
    case Rsc.ALREADY_EXISTS:
    case Rsc.ORIGINATOR_HAS_ALREADY_REGISTERED:
      return 409;
    case Rsc.NOT_IMPLEMENTED:
      return 501;
    case Rsc.TARGET_NOT_SUBSCRIBABLE:
    case Rsc.SUBSCRIPTION_VERIFICATION_INITIATION_FAILED:
      return 403;
    default:
      return rsc >= 5000 ? 500 : 400;
  }
}

/** A failure with a stable code. `detail` must never contain health data. */
export class TutelaError extends Error {
  readonly code: string;
  readonly status: number;
  readonly rsc: number;

  constructor(code: string, rsc: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TutelaError';
    this.code = code;
    this.rsc = rsc;
    this.status = httpStatusForRsc(rsc);
  }
}

/** Shorthand constructors for the service layer's errors. */
export const m2mError = {
  badRequest: (msg: string) => new TutelaError('bad_request', Rsc.BAD_REQUEST, msg),
  notFound: (msg: string) => new TutelaError('not_found', Rsc.NOT_FOUND, msg),
  notAllowed: (msg: string) =>
    new TutelaError('operation_not_allowed', Rsc.OPERATION_NOT_ALLOWED, msg),
  noPrivilege: (msg: string) =>
    new TutelaError('originator_has_no_privilege', Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg),
  conflict: (msg: string) => new TutelaError('conflict', Rsc.CONFLICT, msg),
  notAcceptable: (msg: string) => new TutelaError('not_acceptable', Rsc.NOT_ACCEPTABLE, msg),
  of: (rsc: Rsc, code: string, msg: string) => new TutelaError(code, rsc, msg),
};

/** Wraps anything thrown into a TutelaError without leaking its message. */
export function asTutelaError(err: unknown): TutelaError {
  if (err instanceof TutelaError) return err;
  return new TutelaError('internal', Rsc.INTERNAL_SERVER_ERROR, 'internal error', { cause: err });
}
