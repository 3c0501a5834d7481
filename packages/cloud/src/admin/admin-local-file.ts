import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * DATA_DIR/admin.json: how the local `openpta admin` CLI reaches the admin API (url, token, CA file). Written by the
 * server with mode 0600 when it creates the first admin token; the url/caFile are refreshed at each start.
 */
export const adminLocalFileSchema = z.object({
  url: z.string().url(),
  token: z.string().min(1).optional(),
  caFile: z.string().optional(),
});
export type AdminLocalFile = z.infer<typeof adminLocalFileSchema>;

export const ADMIN_LOCAL_FILE = 'admin.json';

export function adminLocalFilePath(dataDir: string): string {
  return join(dataDir, ADMIN_LOCAL_FILE);
}

export function readAdminLocalFile(dataDir: string): AdminLocalFile | undefined {
  try {
    return adminLocalFileSchema.parse(JSON.parse(readFileSync(adminLocalFilePath(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Writes admin.json (0600), keeping a token written earlier when `token` is undefined. */
export function writeAdminLocalFile(dataDir: string, entry: { url: string; token?: string; caFile?: string }): void {
  const previous = readAdminLocalFile(dataDir);
  const next: AdminLocalFile = { url: entry.url, token: entry.token ?? previous?.token, caFile: entry.caFile };
  const file = adminLocalFilePath(dataDir);
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
