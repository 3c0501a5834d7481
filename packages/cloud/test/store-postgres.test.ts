import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/store/index.ts';
import { storeConformance } from './helpers/store-conformance.ts';

/**
 * The same migrations and services on PostgreSQL: a fresh database per run on the local server (127.0.0.1:5432,
 * trust auth; override with OPENPTA_TEST_POSTGRES_URL), dropped afterwards. Not skipped when the server is missing:
 * the schema must keep running on PostgreSQL.
 */
const ADMIN_URL = process.env.OPENPTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

storeConformance('postgresql', async () => {
  const name = `openpta_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = openDatabase(url.toString());
  return {
    store,
    cleanup: async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
});
