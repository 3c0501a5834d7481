import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Options shared by every `openpta admin` command (read with optsWithGlobals). */
export interface AdminGlobalOptions {
  url?: string;
  token?: string;
  caFile?: string;
  dataDir?: string;
  json?: boolean;
}

export interface AdminConnection {
  url: string;
  token: string;
  ca: string | undefined;
}

const DEFAULT_DATA_DIR = '.data/cloud';
/** Same shape as the server's DATA_DIR/admin.json (packages/cloud/src/admin/admin-local-file.ts). */
const adminFileSchema = z.object({ url: z.string(), token: z.string().optional(), caFile: z.string().optional() });

/**
 * Where the admin API is and how to authenticate: flags > env (OPENPTA_ADMIN_URL, OPENPTA_ADMIN_TOKEN,
 * OPENPTA_ADMIN_CA_FILE) > DATA_DIR/admin.json written by the server at first start.
 */
export function resolveAdminConnection(
  options: AdminGlobalOptions,
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): AdminConnection {
  const dataDir = resolve(cwd, options.dataDir ?? env.OPENPTA_DATA_DIR ?? DEFAULT_DATA_DIR);
  const file = readAdminFile(join(dataDir, 'admin.json'));
  const url = options.url ?? env.OPENPTA_ADMIN_URL ?? file?.url;
  const token = options.token ?? env.OPENPTA_ADMIN_TOKEN ?? file?.token;
  const caFile = options.caFile ?? env.OPENPTA_ADMIN_CA_FILE ?? file?.caFile;
  if (!url) {
    throw new Error(
      `no admin API URL: pass --url, set OPENPTA_ADMIN_URL, or run this on the server host (reads ${join(dataDir, 'admin.json')}; --data-dir)`,
    );
  }
  if (!token) {
    throw new Error(
      'no admin token: pass --token or set OPENPTA_ADMIN_TOKEN (printed once at the first `openpta serve`)',
    );
  }
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(resolve(cwd, caFile), 'utf8');
    } catch {
      throw new Error(`cannot read the CA file ${caFile}: fix --ca-file / OPENPTA_ADMIN_CA_FILE`);
    }
  }
  return { url: url.replace(/\/+$/, ''), token, ca };
}

function readAdminFile(path: string): z.infer<typeof adminFileSchema> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return adminFileSchema.parse(JSON.parse(text));
  } catch {
    throw new Error(`${path} is not a valid admin file; delete it and pass --url/--token instead`);
  }
}
