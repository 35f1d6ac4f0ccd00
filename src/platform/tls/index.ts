export { ensureLocalTls, loadX509, type LocalTls } from './local-ca.js';
