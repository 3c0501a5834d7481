/** The demo users file shipped with the package (same users as the AD test bed). */
import { join } from 'node:path';

export const DEMO_USERS_FILE = join(import.meta.dirname, '..', 'demo-users.yaml');
