// The parameters of an authorisation request, as GET (query string) or POST
// (form body): OIDC Core §3.1.2.1 requires the authorisation endpoint to take
// both. A POST carries its parameters in an application/x-www-form-urlencoded
// body of at most frontDoor.limits.maxBodyBytes, and nothing in the query
// string: a request with parameters in both places is refused rather than
// merged, because a merge lets whoever appended to the URL (a page that builds
// the form's action, a proxy) add or shadow a parameter the partner never sent,
// and no specification says which of the two would win.
import type http from 'node:http';
import { BodyError, mediaType, readBody } from './http.js';

export type AuthorizeParams = { ok: true; params: URLSearchParams } | { ok: false; status: number; description: string };

export async function authorizeParams(req: http.IncomingMessage, url: URL, maxBodyBytes: number): Promise<AuthorizeParams> {
  if (req.method !== 'POST') {
    req.resume();
    return { ok: true, params: url.searchParams };
  }
  let body: Buffer;
  try {
    body = await readBody(req, maxBodyBytes);
  } catch (err) {
    return err instanceof BodyError ? { ok: false, status: err.status, description: err.message } : { ok: false, status: 400, description: 'unreadable body' };
  }
  if (mediaType(req) !== 'application/x-www-form-urlencoded')
    return { ok: false, status: 415, description: 'a POST to /authorize carries its parameters as application/x-www-form-urlencoded' };
  if (url.search !== '') return { ok: false, status: 400, description: 'parameters in both the query string and the body are ambiguous: send them in the body only' };
  return { ok: true, params: new URLSearchParams(body.toString('utf8')) };
}
