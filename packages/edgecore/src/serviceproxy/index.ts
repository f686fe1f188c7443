export { ServiceProxy } from './service-proxy.ts';
