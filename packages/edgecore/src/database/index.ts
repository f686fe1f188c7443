export { openEdgeDatabase, type EdgeDatabase, type OpenEdgeDatabaseOptions } from './edge-database.ts';
export { EDGE_MIGRATIONS, checkMigrations, type EdgeMigration } from './migrations.ts';
export { Outbox, asSync, type OutboxEntry, type OutboxOptions } from './outbox.ts';
