/**
 * The Sec-WebSocket-Protocol entry that carries a bearer token on the CSE's
 * notification channel: `tutela.bearer.<token>`, offered beside `oneM2M.json`
 * (a browser cannot set an Authorization header on an upgrade; the server
 * selects `oneM2M.json`, never this entry). See docs/cse.md, Authentication.
 */
export const WS_BEARER_PREFIX = 'tutela.bearer.';
