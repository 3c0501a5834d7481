export { type DevCertificates, ensureDevCertificates } from './dev-certificates.ts';
export { loadServerTls, type ServerTls } from './load-tls.ts';
