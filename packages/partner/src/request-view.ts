// Reading method, host, path and headers from what a partner's server hands
// it: a Node IncomingMessage (url is the path, Host in headers, rawHeaders
// keeps duplicates) or a Fetch API Request (absolute url, Headers).
export interface NodeLikeRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
}

export interface FetchLikeRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null; forEach(cb: (value: string, name: string) => void): void };
}

export type PartnerRequest = NodeLikeRequest | FetchLikeRequest;

export interface RequestView {
  method: string;
  /** Lower case, without port. */
  host: string;
  path: string;
  /** Every value of a header (case-insensitive); a duplicate shows as two values. */
  values(name: string): string[];
  names(): string[];
}

export function viewOf(req: PartnerRequest): RequestView {
  const h = req.headers as FetchLikeRequest['headers'] | NodeLikeRequest['headers'];
  if (typeof (h as FetchLikeRequest['headers']).get === 'function') {
    const fh = h as FetchLikeRequest['headers'];
    const u = new URL(req.url ?? '/');
    return {
      method: (req.method ?? 'GET').toUpperCase(),
      host: u.hostname.toLowerCase(),
      path: u.pathname + u.search,
      values: (name) => {
        const v = fh.get(name);
        return v === null ? [] : [v];
      },
      names: () => {
        const out: string[] = [];
        fh.forEach((_v, n) => out.push(n.toLowerCase()));
        return out;
      },
    };
  }
  const nh = h as NodeLikeRequest['headers'];
  const raw = (req as NodeLikeRequest).rawHeaders;
  const url = req.url ?? '/';
  let host: string;
  let path: string;
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    host = u.hostname;
    path = u.pathname + u.search;
  } else {
    const hv = nh.host;
    host = stripPort(typeof hv === 'string' ? hv : '');
    path = url;
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    host: host.toLowerCase(),
    path,
    values: (name) => {
      const lower = name.toLowerCase();
      if (raw) {
        const out: string[] = [];
        for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === lower) out.push(raw[i + 1]!);
        return out;
      }
      const v = nh[lower];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    },
    names: () => (raw ? raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()) : Object.keys(nh).map((n) => n.toLowerCase())),
  };
}

function stripPort(h: string): string {
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const c = h.indexOf(':');
  return c === -1 ? h : h.slice(0, c);
}
