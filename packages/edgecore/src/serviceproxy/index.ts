export { ServiceProxy, type ServiceProxyOptions } from './service-proxy.ts';
