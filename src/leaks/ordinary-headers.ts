// One line of plain words for the headers every browser sends, so the page
// explains everything it shows, not only the leaks. Headers not listed here
// and not recognised as leaks are shown as "not a standard browser header".
const EXPLAIN: Record<string, string> = {
  host: 'the site name your browser asked for',
  'user-agent': 'your browser and operating system; every browser sends this',
  accept: 'the kinds of content your browser can show',
  'accept-language': 'the languages your browser prefers',
  'accept-encoding': 'the compression your browser understands',
  connection: 'how the network connection should be handled',
  'keep-alive': 'how long to keep the connection open',
  'cache-control': 'whether cached copies may be used',
  pragma: 'an old form of cache control',
  'upgrade-insecure-requests': 'your browser prefers HTTPS when the site offers it',
  dnt: 'your browser\'s "do not track" setting',
  'sec-gpc': "your browser's Global Privacy Control setting",
  referer: 'the page that linked here',
  origin: 'the site that made this request',
  cookie: "cookies this site set earlier (its own, not your operator's)",
  authorization: 'credentials you gave this site',
  'if-none-match': 'a cache validator for a copy your browser already has',
  'if-modified-since': 'a cache validator for a copy your browser already has',
  'content-type': 'the kind of data sent with the request',
  'content-length': 'the size of the data sent with the request',
  priority: 'how urgently your browser wants this response',
  'save-data': 'your browser asks for lighter pages',
  te: 'transfer encodings your browser accepts',
  via: 'a proxy the request passed through (a name, nothing about you)',
  'x-forwarded-for': 'network addresses recorded by proxies on the way',
  'x-forwarded-proto': 'whether the request arrived over HTTP or HTTPS',
  'x-forwarded-host': 'the site name a proxy on the way received',
  'x-forwarded-port': 'the port a proxy on the way received',
  'x-real-ip': 'the network address a proxy on the way saw',
  forwarded: 'network details recorded by proxies on the way',
  traceparent: 'a request trace id for debugging, new for each request',
  tracestate: 'request trace details for debugging',
  'x-request-id': 'a request id for debugging, new for each request',
  'x-requested-with': 'the app that made the request',
  'x-hedge-signature': "your operator's gateway signed the headers it added for this site (new for every request; nothing about you)",
  'signature-input': 'what a signature on this request covers (new for every request; nothing about you)',
  signature: 'a signature over parts of this request (new for every request; nothing about you)',
  'hedge-partner': "the partner name your operator's gateway signed the added headers for",
  purpose: 'the browser is prefetching this page',
  'sec-purpose': 'the browser is prefetching this page',
};

/** Plain-words explanation of an ordinary header, by canonical name. */
export function explainOrdinary(canonicalName: string): string | undefined {
  const hit = EXPLAIN[canonicalName];
  if (hit !== undefined) return hit;
  if (canonicalName.startsWith('sec-ch-')) return 'a detail your browser offers about itself (client hint)';
  if (canonicalName.startsWith('sec-fetch-')) return 'how and why your browser made this request';
  return undefined;
}
