// The node-task domain, one home for every process that handles a job:
// the action flows and wire (flow), the job lens over the three kinds (job),
// its phase rules and failure tolerance (phase, failure-tolerance), the
// progress counts, the mode of a process and the v1alpha1 state machine.
export * from './flow.ts';
export * from './progress.ts';
export * from './failure-tolerance.ts';
export * from './job.ts';
export * from './job-phase.ts';
export * from './job-defaults.ts';
export * from './mode.ts';
export * from './mode-marker.ts';
export * from './mode-refusals.ts';
export * from './feature-gates.ts';
export * from './v1alpha1.ts';
export * from './v1alpha1-status.ts';
export * from './entry-actions.ts';
