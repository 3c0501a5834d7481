import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudConfig } from '../config/schema.ts';
import { ensureDevCertificates } from './dev-certificates.ts';

export interface ServerTls {
  cert: string;
  key: string;
  /** The CA file a client must trust: the dev CA, or the operator's tls.caFile (undefined = public trust). */
  caFile: string | undefined;
  development: boolean;
  createdCa: boolean;
}

/** The operator's certificate when configured, otherwise the development CA's (created on first start). */
export async function loadServerTls(config: CloudConfig): Promise<ServerTls> {
  const { certFile, keyFile, caFile } = config.tls;
  if (certFile && keyFile) {
    return {
      cert: readRequired(certFile, 'tls.certFile'),
      key: readRequired(keyFile, 'tls.keyFile'),
      caFile,
      development: false,
      createdCa: false,
    };
  }
  const dev = await ensureDevCertificates(join(config.dataDir, 'tls'), [new URL(config.publicUrl).hostname]);
  return { cert: dev.cert, key: dev.key, caFile: dev.caFile, development: true, createdCa: dev.createdCa };
}

function readRequired(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}); check the path and permissions`,
    );
  }
}
