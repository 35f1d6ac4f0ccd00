export { M2MClient, Ty, type M2MClientOptions, type M2MResponse } from './client.js';
