export { requireAdminToken } from './admin-auth.ts';
export {
  ADMIN_LOCAL_FILE,
  type AdminLocalFile,
  adminLocalFilePath,
  adminLocalFileSchema,
  readAdminLocalFile,
  writeAdminLocalFile,
} from './admin-local-file.ts';
export { ADMIN_API_PREFIX, adminRoutes } from './admin-routes.ts';
export { ensureAdminToken, hashAdminToken, issueAdminToken, verifyAdminToken } from './admin-token.ts';
export { type AuditEvent, listAuditEvents, recordAudit } from './audit.ts';
