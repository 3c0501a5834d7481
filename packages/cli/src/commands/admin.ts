import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { callAdmin, printResult } from './admin-tenant-settings.ts';
import { registerAdminToken } from './admin-token.ts';

type Json = Record<string, unknown>;
type Out = (text: string) => void;

/**
 * `openpta admin ...`: manages tenants, OIDC clients and users through the admin API. Every command accepts
 * --json for machine-readable output. Connection: --url/--token/--ca-file, OPENPTA_ADMIN_* env, or the server's
 * DATA_DIR/admin.json (local default).
 */
export function registerAdmin(program: Command, out: Out = (t) => process.stdout.write(t)): void {
  const admin = program
    .command('admin')
    .description('manage tenants, OIDC clients and users through the admin API')
    .option('--url <url>', 'admin API base URL (env OPENPTA_ADMIN_URL; default from DATA_DIR/admin.json)')
    .addOption(new Option('--token <token>', 'admin bearer token (prefer env OPENPTA_ADMIN_TOKEN: flags show in ps)'))
    .option('--ca-file <file>', 'CA certificate to trust (env OPENPTA_ADMIN_CA_FILE; the dev CA by default)')
    .option('--data-dir <dir>', 'server data directory holding admin.json (env OPENPTA_DATA_DIR)')
    .option('--json', 'print JSON');

  const tenant = admin.command('tenant').description('tenants: a name (issuer path), verified domains, clients');
  tenant
    .command('create')
    .description('create a tenant; prints its id, name and issuer')
    .requiredOption('--name <name>', 'tenant name (lower-case slug, part of the issuer URL)')
    .requiredOption('--domain <domain>', 'verified domain (UPN suffix); repeat for more', collect)
    .option('--display-name <text>', 'display name shown on sign-in pages')
    .action(async (opts: { name: string; domain: string[]; displayName?: string }, cmd: Command) => {
      const t = await callAdmin(cmd, 'POST', `/tenants`, {
        name: opts.name,
        domains: opts.domain,
        ...(opts.displayName ? { displayName: opts.displayName } : {}),
      });
      printResult(cmd, out, t, () => fields(t, ['id', 'name', 'issuer', 'domains']));
    });
  tenant
    .command('list')
    .description('list tenants')
    .action(async (_opts: unknown, cmd: Command) => {
      const { tenants } = (await callAdmin(cmd, 'GET', `/tenants`)) as { tenants: Json[] };
      printResult(cmd, out, tenants, () => table(tenants, ['name', 'id', 'domains', 'issuer']));
    });
  tenant
    .command('add-domain')
    .description('add a verified domain to a tenant')
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--domain <domain>', 'domain to add')
    .action(async (opts: { tenant: string; domain: string }, cmd: Command) => {
      const t = await callAdmin(cmd, 'POST', `/tenants/${encodeURIComponent(opts.tenant)}/domains`, {
        domain: opts.domain,
      });
      printResult(cmd, out, t, () => fields(t, ['name', 'domains']));
    });

  const client = admin.command('client').description('OIDC clients (relying parties) of a tenant');
  client
    .command('create')
    .description('register an OIDC client; prints client_id and, for client-secret methods, the secret (shown once)')
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--redirect-uri <uri>', 'allowed redirect URI; repeat for more', collect)
    .option('--public', 'public client (SPA/native app): no secret, PKCE required')
    .option('--name <text>', 'client display name')
    .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return; repeat for more', collect)
    .addOption(
      new Option('--auth-method <method>', 'token endpoint authentication (default client_secret_basic)').choices([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]),
    )
    .option('--jwks-file <file>', "the client's public JWK Set (or one JWK) as JSON, for private_key_jwt")
    .option('--third-party', 'not first-party: users see a consent page before the application gets their data')
    .action(async (opts: ClientCreateOptions, cmd: Command) => {
      const c = await callAdmin(cmd, 'POST', `/tenants/${encodeURIComponent(opts.tenant)}/clients`, {
        redirectUris: opts.redirectUri,
        public: opts.public === true,
        ...(opts.name ? { name: opts.name } : {}),
        ...clientSettingsFrom(opts),
      });
      const { clientId, clientSecret, ...rest } = c;
      const view = { client_id: clientId, client_secret: clientSecret, ...rest };
      printResult(cmd, out, view, () =>
        [
          fields(view, [
            'client_id',
            'client_secret',
            'tenant',
            'redirectUris',
            'public',
            'tokenEndpointAuthMethod',
            'postLogoutRedirectUris',
            'firstParty',
          ]),
          c.clientSecret ? 'The client secret is shown only now: store it in the application.' : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  client
    .command('list')
    .description('list OIDC clients (all tenants, or one with --tenant)')
    .option('--tenant <name>', 'only this tenant')
    .action(async (opts: { tenant?: string }, cmd: Command) => {
      const path = opts.tenant ? `/tenants/${encodeURIComponent(opts.tenant)}/clients` : '/clients';
      const { clients } = (await callAdmin(cmd, 'GET', path)) as { clients: Json[] };
      printResult(cmd, out, clients, () => table(clients, ['clientId', 'tenant', 'public', 'redirectUris']));
    });

  const user = admin.command('user').description('users created at their first sign-in');
  user
    .command('list')
    .description("list a tenant's users")
    .requiredOption('--tenant <name>', 'tenant name')
    .action(async (opts: { tenant: string }, cmd: Command) => {
      const { users } = (await callAdmin(cmd, 'GET', `/tenants/${encodeURIComponent(opts.tenant)}/users`)) as {
        users: Json[];
      };
      printResult(cmd, out, users, () => table(users, ['id', 'upn', 'objectGuid', 'lastSignInAt']));
    });

  registerAdminToken(admin, out);

  admin
    .command('audit')
    .description('recent admin audit events, newest first')
    .option('--limit <n>', 'how many (1-1000)', '50')
    .action(async (opts: { limit: string }, cmd: Command) => {
      const { events } = (await callAdmin(cmd, 'GET', `/audit-events?limit=${encodeURIComponent(opts.limit)}`)) as {
        events: Json[];
      };
      printResult(cmd, out, events, () => table(events, ['time', 'actor', 'action', 'target']));
    });
}

interface ClientCreateOptions {
  tenant: string;
  redirectUri: string[];
  public?: boolean;
  name?: string;
  postLogoutRedirectUri?: string[];
  authMethod?: string;
  jwksFile?: string;
  thirdParty?: boolean;
}

/** The client's `settings` for the admin API (validated there: one source of truth). */
function clientSettingsFrom(opts: ClientCreateOptions): { settings?: Json } {
  const settings: Json = {};
  if (opts.authMethod) settings.tokenEndpointAuthMethod = opts.authMethod;
  if (opts.jwksFile) settings.jwks = readJwks(opts.jwksFile);
  if (opts.postLogoutRedirectUri) settings.postLogoutRedirectUris = opts.postLogoutRedirectUri;
  if (opts.thirdParty) settings.firstParty = false;
  return Object.keys(settings).length > 0 ? { settings } : {};
}

/** A JWK Set ({"keys": [...]}, RFC 7517 section 5) or a single JWK, which is wrapped into a set. */
function readJwks(file: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'it is not JSON' : 'it cannot be read';
    throw new Error(`--jwks-file ${file}: ${reason}; pass the client's public JWK Set as JSON`);
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return 'keys' in parsed ? (parsed as Json) : { keys: [parsed] };
  }
  throw new Error(`--jwks-file ${file}: expected a JSON object (a JWK Set or one JWK)`);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function fields(record: Json, keys: string[]): string {
  const width = Math.max(...keys.map((k) => k.length)) + 1;
  return keys.map((k) => `${`${k}:`.padEnd(width)} ${text(record[k])}`).join('\n');
}

function table(rows: Json[], keys: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = [keys, ...rows.map((r) => keys.map((k) => text(r[k])))];
  const widths = keys.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
