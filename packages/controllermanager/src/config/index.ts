export { type ControllerManagerConfig, defaultControllerManagerConfig } from './controllermanager-config.ts';
export {
  loadControllerManagerConfig,
  parseFeatureGates,
  renderControllerManagerConfig,
} from './load-controllermanager-config.ts';
