import type { FastifyInstance } from 'fastify';
import type { CloudConfig } from './config/schema.ts';
import type { Logger } from './observability/logger.ts';
import type { CloudMetrics } from './observability/metrics.ts';
import type { Store } from './store/open-database.ts';
import type { ClientService } from './tenants/client-service.ts';
import type { SecretBox } from './tenants/secret-box.ts';
import type { TenantService } from './tenants/tenant-service.ts';
import type { UserService } from './tenants/user-service.ts';
import type { ServerTls } from './tls/load-tls.ts';

/** What every feature plugin gets: the resolved config and the shared platform services. */
export interface CloudContext {
  /** Resolved config. `publicUrl` is final once the server listens (port 0 is replaced by the bound port). */
  config: CloudConfig;
  store: Store;
  logger: Logger;
  /** Add metrics with `registers: [metrics.registry]`. */
  metrics: CloudMetrics;
  services: { tenants: TenantService; clients: ClientService; users: UserService };
  secretBox: SecretBox;
  tls: ServerTls;
  /** True once a shutdown began (readiness reports 503; long polls should end). */
  isShuttingDown(): boolean;
}

/**
 * A feature (oidc, sign-in, admin, agent-channel). `register` runs inside its own encapsulated Fastify scope: hooks
 * and decorators it adds stay in that scope. Clean up with `app.addHook('onClose', ...)`; it runs before the
 * database closes.
 */
export interface CloudPlugin {
  name: string;
  register(app: FastifyInstance, ctx: CloudContext): Promise<void>;
}
