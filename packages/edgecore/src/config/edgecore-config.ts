// edgecore.yaml's schema and defaults live in @kedge/api (the store checks a
// ConfigUpdateJob's updateFields against them, and @kedge/api may not depend
// on edgecore); edgecore code keeps importing them from here. Loading and
// rendering stay in load-edgecore-config.ts.
export { EdgeCoreConfigSchema, defaultEdgeCoreConfig, type EdgeCoreConfig } from '@kedge/api';
