// The forms in which a partner's server hands the kit a request: a Node
// IncomingMessage (url is the path, or an absolute URL behind a forward proxy;
// Host in headers; rawHeaders keeps duplicates) or a Fetch API Request
// (absolute url, Headers). request-target.ts reads both, for both verifiers.
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
