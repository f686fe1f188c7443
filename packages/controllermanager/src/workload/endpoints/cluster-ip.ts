// ClusterIP allocation for embedded mode (kube-apiserver does it in cluster
// mode): the lowest free address of the service CIDR, skipping the network
// address and .1 (kept for the `kubernetes` Service by convention).
import { KedgeError } from '@kedge/api';

/** The embedded service CIDR (kube-apiserver's common --service-cluster-ip-range). */
export const EMBEDDED_SERVICE_CIDR = '10.96.0.0/16';

function toNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `"${ip}" is not an IPv4 address`);
  }
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The range of `cidr` as [first, last] numbers. */
function cidrRange(cidr: string): [number, number] {
  const [ip = '', bits = ''] = cidr.split('/');
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `service CIDR "${cidr}": expected <ipv4>/<8..30>`);
  }
  const size = 2 ** (32 - prefix);
  const first = Math.floor(toNumber(ip) / size) * size;
  return [first, first + size - 1];
}

/** Whether `ip` is an address inside `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [first, last] = cidrRange(cidr);
  try {
    const n = toNumber(ip);
    return n >= first && n <= last;
  } catch {
    return false;
  }
}

/** The lowest address of `cidr` (after .0 and .1 of the range) not in `used`. */
export function allocateClusterIP(cidr: string, used: ReadonlySet<string>): string {
  const [first, last] = cidrRange(cidr);
  for (let n = first + 2; n < last; n++) {
    const ip = toAddress(n);
    if (!used.has(ip)) return ip;
  }
  throw new KedgeError('KEDGE_SERVICE_IP_EXHAUSTED', `no free ClusterIP left in ${cidr}`, {
    fields: [`serviceCIDR: ${cidr}`],
  });
}
