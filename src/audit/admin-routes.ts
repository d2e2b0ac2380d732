// Read-only audit endpoints on the admin API:
//   GET /audit/status                  the chain writer's state
//   GET /audit/report?from&to&partner&host&outsidePolicy=current&format=json|csv|html|table
//                     &redacted=1 (no numbers) &incident=1 (cause, detection, deadlines, chain check) &detected=TIME
// The report holds decrypted numbers: the admin API's bearer token guards it.
// With audit.witness.file configured, every report is checked against the
// witness as `hedge audit report --witness` is (the same verifyWithWitness: the
// whole store verified, then every witness line looked up), so a chain cut back
// to an earlier checkpoint is in the report as `witness`; a witness the gateway
// cannot read refuses the report (503) rather than serve it unchecked.
// Every report is sealed (its hash signed by the gateway key; `hedge audit verify-report`).
import { sendError, sendJson, type AdminRoute } from '../shared/http.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { AuditKey, Signer, SignatureVerifier } from './keys.js';
import type { AuditLog } from './audit-log.js';
import type { AuditStore } from './store.js';
import { buildReport } from './report.js';
import { reportCsv, reportTable } from './report-text.js';
import { reportHtml } from './report-html.js';
import { parseTime } from './time.js';
import { sealReport, type ReportFormat } from './report-seal.js';
import { verifyStore, type VerifyResult } from './verify.js';
import { reportWitness, verifyWithWitness } from './witness-check.js';

export interface AuditRouteDeps {
  store: AuditStore;
  key: AuditKey;
  signer: Signer;
  verifier: SignatureVerifier;
  audit: AuditLog;
  policy(): CompiledPolicy;
  operator: string;
  /** audit.witness.file (resolved): checked for every report when set. */
  witnessFile?: string | undefined;
}

export function auditRoutes(d: AuditRouteDeps): AdminRoute {
  return async (req, res, url) => {
    if (!url.pathname.startsWith('/audit/')) return false;
    if (req.method !== 'GET') {
      sendError(res, 405, ErrorCodes.METHOD, 'the audit endpoints are read-only (GET)', { allow: 'GET' });
      return true;
    }
    if (url.pathname === '/audit/status') {
      sendJson(res, 200, d.audit.status());
      return true;
    }
    if (url.pathname !== '/audit/report') return false;
    const q = url.searchParams;
    let report;
    try {
      const from = q.has('from') ? parseTime(q.get('from')!, 'from') : undefined;
      const to = q.has('to') ? parseTime(q.get('to')!, 'to') : Date.now() + 1;
      const op = q.get('outsidePolicy');
      if (op !== null && op !== 'current')
        throw new HedgeError(ErrorCodes.AUDIT_REPORT, 'outsidePolicy: only "current" (the policy in force) is available here; use the CLI for a policy file');
      const policy = d.policy();
      const detectedAt = q.has('detected') ? parseTime(q.get('detected')!, 'detected') : undefined;
      const redacted = q.get('redacted') === '1';
      // Verified once: the witness finding and the incident's chain statement are the same check, as in the CLI.
      let checked: { result: VerifyResult; witness?: Parameters<typeof reportWitness>[0] } | undefined;
      if (d.witnessFile !== undefined) checked = await verifyWithWitness(d.store, d.verifier, d.witnessFile);
      const verify = checked ? async () => checked.result : () => verifyStore(d.store, { verifier: d.verifier });
      report = await buildReport(d.store, {
        from,
        to,
        partner: q.get('partner') ?? undefined,
        host: q.get('host') ?? undefined,
        outsidePolicy: op ? { policy, file: policy.file } : undefined,
        key: redacted ? undefined : d.key,
        redacted,
        incident: q.get('incident') === '1' || detectedAt !== undefined ? { detectedAt, verify } : undefined,
        knownPartners: policy.partners.map((p) => p.id),
        witness: checked?.witness && reportWitness(checked.witness),
      });
    } catch (err) {
      if (err instanceof HedgeError && err.code === ErrorCodes.AUDIT_WITNESS) {
        sendError(res, 503, err.code, err.message);
        return true;
      }
      if (err instanceof HedgeError) {
        sendError(res, 400, err.code, err.message);
        return true;
      }
      throw err;
    }
    const format = q.get('format') ?? 'json';
    const send = (type: string, body: string) => {
      const sealed = sealReport(body, format as ReportFormat, d.signer);
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(sealed), 'cache-control': 'no-store' });
      res.end(sealed);
    };
    if (format === 'json') send('application/json; charset=utf-8', JSON.stringify(report, null, 2) + '\n');
    else if (format === 'csv') send('text/csv; charset=utf-8', reportCsv(report));
    else if (format === 'html') send('text/html; charset=utf-8', reportHtml(report, d.operator));
    else if (format === 'table') send('text/plain; charset=utf-8', reportTable(report));
    else sendError(res, 400, ErrorCodes.AUDIT_REPORT, 'format: json, csv, html or table');
    return true;
  };
}
