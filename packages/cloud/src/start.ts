import { adminLocalFilePath, writeAdminLocalFile } from './admin/admin-local-file.ts';
import { buildCloudApp, type CloudApp, type CloudDeps } from './app.ts';
import type { CloudConfig } from './config/schema.ts';

export interface StartOptions extends CloudDeps {
  /** Where start-up notices (URL, dev-certificate warning, the one-time admin token) go; default stderr. */
  announce?: (line: string) => void;
}

export interface RunningCloud extends CloudApp {
  /** The URL the server is bound to, e.g. https://127.0.0.1:8443. */
  listenUrl: string;
  /** The URL the local admin CLI uses (also written to DATA_DIR/admin.json). */
  adminUrl: string;
}

/**
 * Builds the app and listens. When the configured port is 0 the bound port replaces it in a derived public URL.
 * Prints where the CA file is and a loud warning when a development certificate is in use, and the admin token when
 * this start created it.
 */
export async function startCloud(config: CloudConfig, options: StartOptions = {}): Promise<RunningCloud> {
  const announce = options.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cloud = await buildCloudApp(config, options);
  try {
    await cloud.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await cloud.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(
        `port ${config.port} on ${config.host} is in use: stop the other process or set --port / OPENPTA_PORT`,
      );
    if (code === 'EACCES')
      throw new Error(
        `no permission to listen on ${config.host}:${config.port}: use a port above 1023 or grant CAP_NET_BIND_SERVICE`,
      );
    throw error;
  }
  const address = cloud.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const resolved = cloud.ctx.config;
  const publicUrl = new URL(resolved.publicUrl);
  if (publicUrl.port === '0') {
    publicUrl.port = String(port);
    resolved.publicUrl = publicUrl.toString().replace(/\/+$/, '');
  }
  resolved.port = port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const listenUrl = `https://${hostForUrl}:${port}`;
  // The dev certificate names localhost; an operator certificate names the public host.
  const adminUrl = cloud.ctx.tls.development ? `https://localhost:${port}` : resolved.publicUrl;
  writeAdminLocalFile(resolved.dataDir, {
    url: adminUrl,
    token: cloud.createdAdminToken,
    caFile: cloud.ctx.tls.caFile,
  });

  announce(`openpta cloud listening on ${listenUrl} (public URL ${resolved.publicUrl})`);
  if (cloud.ctx.tls.development) {
    announce(
      [
        '',
        '!!! WARNING: DEVELOPMENT CERTIFICATE !!!',
        `!!! TLS uses a local development CA${cloud.ctx.tls.createdCa ? ' created just now' : ''}. Trust it only on test machines:`,
        `!!!   CA file: ${cloud.ctx.tls.caFile}`,
        '!!! For production set --tls-cert and --tls-key (or OPENPTA_TLS_CERT_FILE / OPENPTA_TLS_KEY_FILE).',
        '',
      ].join('\n'),
    );
  }
  if (cloud.createdAdminToken) {
    announce(
      [
        'Admin API token (shown only this once; stored hashed; also saved for the local CLI in',
        `${adminLocalFilePath(resolved.dataDir)} with mode 0600):`,
        `  ${cloud.createdAdminToken}`,
      ].join('\n'),
    );
  }
  return { ...cloud, listenUrl, adminUrl };
}

/**
 * SIGTERM/SIGINT: the first signal closes gracefully and exits 0 (1 if closing failed); a second signal exits
 * at once with 130. Returns a function that removes the handlers.
 */
export function handleShutdownSignals(cloud: Pick<CloudApp, 'close' | 'logger'>, exit = process.exit): () => void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      cloud.logger.warn({ signal }, 'second signal: forcing exit');
      exit(130);
      return;
    }
    signalled = true;
    cloud.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    cloud.close().then(
      () => {
        cloud.logger.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        cloud.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
