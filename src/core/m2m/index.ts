export { M2MClient, Ty, type M2MClientOptions, type M2MResponse } from './client.js';
export { WS_BEARER_PREFIX } from './ws-bearer.js';
