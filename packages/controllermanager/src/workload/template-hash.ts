// The pod-template-hash label: FNV-1a (32 bit) of the pod template in a
// canonical JSON form, written in the consonant-and-digit alphabet Kubernetes
// uses so that a hash never spells a word. Same template, same hash.
import type { PodTemplateSpec } from '@kedge/api';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function podTemplateHash(template: PodTemplateSpec, collisionCount = 0): string {
  const digits = String(fnv1a32(canonical(template) + (collisionCount > 0 ? `#${collisionCount}` : '')));
  return [...digits].map((d) => ALPHABET[d.charCodeAt(0) % ALPHABET.length]).join('');
}
