export { MetaServer, type MetaServerAddress, type MetaServerOptions } from './meta-server.ts';
export {
  Router,
  type RouteHandler,
  type RouteMatch,
  type RouteRequest,
  type RouteResponse,
} from './router.ts';
export { parseServerAddress, type ServerAddress } from './server-address.ts';
export { statusError, typeOfPlural } from './kube-routes.ts';
