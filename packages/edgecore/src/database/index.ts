export { openEdgeDatabase, type EdgeDatabase } from './edge-database.ts';
export { Outbox, asSync } from './outbox.ts';
