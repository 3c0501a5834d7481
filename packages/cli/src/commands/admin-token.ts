import type { Command } from 'commander';
import type { AdminGlobalOptions } from './admin-connection.ts';

/**
 * `openpta admin token reset`: the recovery path when the admin token is lost. It needs no token: it runs on the
 * server host with direct access to the database (same --config/--data-dir/--database-url settings as `serve`),
 * revokes every admin token, issues a new one, prints it once and updates DATA_DIR/admin.json if present.
 */
export function registerAdminToken(admin: Command, out: (text: string) => void): void {
  const token = admin.command('token').description('admin API tokens (local, direct database access)');
  token
    .command('reset')
    .description('revoke every admin token and print a new one (run on the server host)')
    .option('-c, --config <file>', 'the config file `serve` uses (env OPENPTA_CONFIG)')
    .option('--database-url <url>', 'database URL (env OPENPTA_DATABASE_URL)')
    .action(async (opts: { config?: string; databaseUrl?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<AdminGlobalOptions>();
      const cloud = await import('@openpta/cloud');
      const config = cloud.loadCloudConfig({
        flags: { configFile: opts.config, dataDir: globals.dataDir, databaseUrl: opts.databaseUrl },
      });
      const store = cloud.openDatabase(config.databaseUrl);
      try {
        await cloud.migrateToLatest(store);
        const {
          id,
          token: value,
          revoked,
        } = await cloud.issueAdminToken(store.db, {
          actor: `local:${process.env.USER ?? 'unknown'}`,
          revokeOthers: true,
        });
        const local = cloud.readAdminLocalFile(config.dataDir);
        if (local) cloud.writeAdminLocalFile(config.dataDir, { url: local.url, token: value, caFile: local.caFile });
        const result = {
          id,
          token: value,
          revoked,
          adminFile: local ? cloud.adminLocalFilePath(config.dataDir) : undefined,
        };
        out(
          globals.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `${[
                `revoked ${revoked} admin token(s); new admin token (shown only now):`,
                `  ${value}`,
                local
                  ? `saved to ${result.adminFile}`
                  : 'no admin.json found: pass it with --token or OPENPTA_ADMIN_TOKEN',
              ].join('\n')}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
