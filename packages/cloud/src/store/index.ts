export { StoreError, type StoreErrorCode } from './errors.ts';
export { migrateAllDown, migrateToLatest } from './migrate.ts';
export { MIGRATIONS, migrationProvider } from './migrations/index.ts';
export { type Dialect, openDatabase, type Store } from './open-database.ts';
export type * from './schema.ts';
