export { MetaServer, type MetaServerAddress, type MetaServerOptions } from './meta-server.ts';
export {
  Router,
  type RouteHandler,
  type RouteMatch,
  type RouteOptions,
  type RouteRequest,
  type RouteResponse,
} from './router.ts';
export { parseServerAddress, type ServerAddress } from './server-address.ts';
export { statusError, typeOfPlural } from './kube-routes.ts';
export {
  METASERVER_TOKEN_FILE,
  metaServerTokenPath,
  readMetaServerToken,
  writeMetaServerToken,
} from './metaserver-token.ts';
