/** What a recorded run of requests did, counted per method and resource (`PATCH virtualmachines ×100`). */
import { RecordedRequest } from '../test/integration/support/fault-proxy';

/** The resource a request path names (`secrets`, `virtualmachines/status`), or the discovery path it reads. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const i = parts.indexOf('namespaces');
  if (i >= 0 && parts.length > i + 2) return `${parts[i + 2]}${parts.length > i + 4 ? `/${parts[i + 4]}` : ''}`;
  if (i >= 0) return 'namespaces';
  // Discovery and cluster-scoped paths: /api, /apis, /version, /api/v1, /apis/g/v, /apis/g/v/plural.
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : [];
  return rest.length ? rest[0] : `/${parts.slice(0, 1).join('/')} (discovery)`;
}

export function breakdown(requests: RecordedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${resourceOf(r.path)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`);
}
