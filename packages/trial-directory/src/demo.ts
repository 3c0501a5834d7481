/** The demo users file shipped with the package (same users as the AD test bed). */
import { join } from 'node:path';

export const DEMO_USERS_FILE = join(import.meta.dirname, '..', 'demo-users.yaml');

/** The service account among the demo users (`svc-openpta` in demo-users.yaml), for agents run against the demo. */
export const DEMO_SERVICE_ACCOUNT = {
  bindDn: 'svc-openpta@corp.example.test',
  password: 'Service-Pass-1-Long',
} as const;
