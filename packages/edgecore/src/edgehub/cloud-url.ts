// The URL EdgeHub dials: `server` may be `host:port` or a full ws(s) URL.
export function cloudUrl(server: string, projectId: string, nodeName: string, tls: boolean): string {
  const base = /^wss?:\/\//.test(server) ? server.replace(/\/+$/, '') : `${tls ? 'wss' : 'ws'}://${server}`;
  return `${base}/${encodeURIComponent(projectId)}/${encodeURIComponent(nodeName)}/events`;
}
