// The checker's page: the verdict in plain words and colour at the top, then
// every header received, leaks highlighted and explained. Identifiers are
// masked; the reveal button swaps the full value in from the page itself, in
// the browser, with no further request. No external resources, no cookies,
// one inline script and style allowed by a per-response CSP nonce.
import type { CheckReport, HeaderReport } from './report.js';

const COLOURS: Record<CheckReport['colour'], { bg: string; fg: string; edge: string }> = {
  green: { bg: '#e6f4ea', fg: '#0d5223', edge: '#1e8e3e' },
  amber: { bg: '#fef7e0', fg: '#6b4a00', edge: '#f9ab00' },
  orange: { bg: '#feefe3', fg: '#7a2e00', edge: '#e8710a' },
  red: { bg: '#fce8e6', fg: '#8c1d18', edge: '#d93025' },
};

const TAG: Record<HeaderReport['kind'], { label: string; cls: string }> = {
  identity: { label: 'identifies you', cls: 'identity' },
  tracking: { label: 'tracks you', cls: 'tracking' },
  device: { label: 'device or network detail', cls: 'device' },
  unusual: { label: 'unusual', cls: 'unusual' },
  ordinary: { label: 'ordinary', cls: 'ordinary' },
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderPage(r: CheckReport, nonce: string, opts: { plainUrl?: string } = {}): string {
  const c = COLOURS[r.colour];
  const leaks = r.headers.filter((h) => h.kind === 'identity' || h.kind === 'tracking' || h.kind === 'device');
  const rest = r.headers.filter((h) => !leaks.includes(h));
  const httpsNote = r.secure
    ? `<p class="note">You reached this page over HTTPS. Operators cannot add headers to encrypted traffic, so the telling test is over plain HTTP${opts.plainUrl ? `: <a href="${escapeHtml(opts.plainUrl)}">open the plain-HTTP check</a>` : ''}.</p>`
    : '<p class="note">You reached this page over plain HTTP, the way operators can add headers. Turn Wi-Fi off to test your mobile connection.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(r.title)} — what does my phone tell websites?</title>
<style nonce="${nonce}">
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #202124; background: #fff; }
  body { margin: 0 auto; max-width: 760px; padding: 16px; line-height: 1.45; }
  h1 { font-size: 1.1rem; font-weight: 600; color: #5f6368; margin: 0 0 12px; }
  .verdict { background: ${c.bg}; color: ${c.fg}; border-left: 8px solid ${c.edge}; border-radius: 8px; padding: 16px 20px; }
  .verdict h2 { margin: 0 0 6px; font-size: 2rem; }
  .verdict ul { margin: 8px 0 0; padding-left: 20px; }
  .note { color: #5f6368; font-size: .9rem; }
  h3 { margin: 24px 0 8px; font-size: 1.05rem; }
  .hdr { border: 1px solid #dadce0; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
  .hdr.identity { border-color: #d93025; background: #fff8f7; }
  .hdr.tracking { border-color: #e8710a; background: #fffaf5; }
  .hdr.device { border-color: #f9ab00; background: #fffdf5; }
  .name { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; word-break: break-all; }
  .value { font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; display: inline; }
  .tag { display: inline-block; font-size: .75rem; padding: 1px 8px; border-radius: 10px; margin-left: 6px; vertical-align: middle; background: #f1f3f4; color: #3c4043; }
  .tag.identity { background: #d93025; color: #fff; } .tag.tracking { background: #e8710a; color: #fff; } .tag.device { background: #f9ab00; color: #202124; }
  .why { margin: 4px 0 0; font-size: .9rem; color: #3c4043; }
  .src { margin: 2px 0 0; font-size: .8rem; color: #5f6368; }
  button.reveal { margin-left: 8px; font-size: .8rem; padding: 2px 10px; border: 1px solid #dadce0; border-radius: 12px; background: #fff; cursor: pointer; }
  footer { margin-top: 28px; font-size: .8rem; color: #5f6368; }
</style>
</head>
<body>
<h1>What does my phone tell websites?</h1>
<section class="verdict" data-verdict="${r.verdict}" id="verdict">
  <h2>${escapeHtml(r.title)}</h2>
  <p>${escapeHtml(r.summary)}</p>
  <ul>${r.advice.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>
</section>
${httpsNote}
${leaks.length ? `<h3>What identifies or describes you (${leaks.length})</h3>\n${leaks.map(renderHeader).join('\n')}` : ''}
<h3>${leaks.length ? 'Everything else your browser sent' : 'Everything your browser sent'} (${rest.length})</h3>
${rest.map(renderHeader).join('\n')}
<footer>This site stores nothing about you and logs no header values. The same report is available as JSON at <a href="/api/check">/api/check</a>.</footer>
<script nonce="${nonce}">
  for (const b of document.querySelectorAll('button.reveal')) {
    b.addEventListener('click', () => {
      const v = b.parentElement.querySelector('.value');
      const shown = b.getAttribute('aria-pressed') === 'true';
      v.textContent = shown ? v.dataset.masked : v.dataset.value;
      b.setAttribute('aria-pressed', String(!shown));
      b.textContent = shown ? 'reveal' : 'hide';
    });
  }
</script>
</body>
</html>
`;
}

function renderHeader(h: HeaderReport): string {
  const tag = TAG[h.kind];
  const value = h.sensitive
    ? `<span class="value" data-masked="${escapeHtml(h.masked)}" data-value="${escapeHtml(h.value)}">${escapeHtml(h.masked)}</span><button type="button" class="reveal" aria-pressed="false">reveal</button>`
    : `<span class="value">${escapeHtml(h.value)}</span>`;
  const senders = h.knownSenders ? `<p class="src">Known to be sent by: ${escapeHtml(h.knownSenders)}. Source: ${escapeHtml(h.source ?? '')}.</p>` : '';
  return `<div class="hdr ${tag.cls}" data-kind="${h.kind}"><div><span class="name">${escapeHtml(h.name)}</span><span class="tag ${tag.cls}">${tag.label}</span></div><div>${value}</div><p class="why">${escapeHtml(h.explanation)}</p>${senders}</div>`;
}
