// The yaml library's syntax errors in words an operator acts on. Its own
// messages describe the parser ("Nested mappings are not allowed in compact
// mappings", "please use YAML.parseAllDocuments()"); these say what to change
// in the file. After a first error the parser often loses its place and
// reports the lines that follow as malformed keys: those echoes are dropped,
// the first cause is kept.
import type { YAMLError } from 'yaml';

/** Codes the parser reports for lines it misreads after an earlier error. */
const ECHOES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/** The errors worth showing: the first, and each later one that is not an echo of an earlier one; one per line. */
export function firstCauses<E extends Pick<YAMLError, 'code'> & { line: number }>(errors: readonly E[]): E[] {
  const out: E[] = [];
  for (const e of errors) {
    if (out.length > 0 && ECHOES.has(e.code)) continue;
    if (out.some((o) => o.line === e.line)) continue;
    out.push(e);
  }
  return out;
}

/** What is wrong and what would be right, for one syntax error. */
export function yamlErrorText(e: Pick<YAMLError, 'code' | 'message'>): string {
  const first = e.message.split('\n')[0] ?? e.message;
  switch (e.code) {
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation: YAML indents with spaces only (replace the tab with spaces)';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'this line does not line up: a key and its value go on one line, a key under another is indented further with spaces, and keys of the same map start in the same column (check this line and the next)';
    case 'BAD_INDENT':
      if (/end with a \]/.test(first)) return 'a list opened with "[" is not closed on its line: add the "]" (or indent its continuation further)';
      if (/end with a \}/.test(first)) return 'a map opened with "{" is not closed on its line: add the "}" (or indent its continuation further)';
      return 'this line is indented differently from the keys around it: keys of the same map start in the same column (spaces only)';
    case 'MISSING_CHAR':
      if (/closing "quote/.test(first)) return 'a value opened with " is not closed: add the closing " on the same line';
      if (/closing 'quote/.test(first)) return "a value opened with ' is not closed: add the closing ' on the same line";
      if (/end with a \]/.test(first)) return 'a list opened with "[" is not closed: add the "]"';
      if (/end with a \}/.test(first)) return 'a map opened with "{" is not closed: add the "}"';
      return `YAML syntax: ${first}`;
    case 'MULTIPLE_DOCS':
      return 'a second YAML document starts here ("---"): a config file is one document; remove the "---" and merge what follows into the keys above';
    case 'BAD_SCALAR_START':
      return 'a value cannot start with this character (@, ` and some others are reserved): put the value in quotes';
    case 'DUPLICATE_KEY':
      return 'a key is written twice in the same map: write it once';
    default:
      return `YAML syntax: ${first}`;
  }
}
