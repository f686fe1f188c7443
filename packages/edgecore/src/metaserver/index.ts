export { MetaServer } from './meta-server.ts';
export { type RouteHandler } from './router.ts';
export { metaServerTokenPath, readMetaServerToken } from './metaserver-token.ts';
