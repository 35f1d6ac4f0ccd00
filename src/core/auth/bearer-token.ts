/** RFC 6750 §2.1: the scheme (case-insensitive, RFC 7235 §2.1), then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer <token>` header; undefined when the
 * header is absent or is not a bearer token (a caller that must tell the two
 * apart checks whether a header was sent). Reads only: verifying is the
 * verifier's.
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}
