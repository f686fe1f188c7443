export { Edged, containerRuntimeVersion } from './edged.ts';
