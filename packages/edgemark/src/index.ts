export { HollowFleet, type HollowFleetState } from './hollow-fleet.ts';
export { HollowNode, type HollowNodeState, type FleetRuntime } from './hollow-node.ts';
export {
  DEFAULT_FLEET_SETTINGS,
  FleetSettingsSchema,
  resolveFleetOptions,
  type FleetSettings,
  type HollowFleetOptions,
  type ResolvedFleetOptions,
  type TaskHandler,
} from './fleet-options.ts';
export { FleetCounters, type FleetStats } from './fleet-stats.ts';
export {
  HOLLOW_LABEL,
  hollowRegisterContent,
  keepaliveMessage,
  registerMessage,
  resourceAck,
} from './hollow-messages.ts';
export { keepalivePhase, firstKeepaliveAt, startDelay } from './keepalive-schedule.ts';
export { RampLimiter, type Release } from './ramp-limiter.ts';
export { TimerWheel, type TimerWheelOptions, type WheelTimer } from './timer-wheel.ts';
