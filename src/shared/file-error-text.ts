// A file-system error in words an operator acts on. The code stays first
// (scripts and searches match on it); the words say what to check.
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied: the user hedge runs as may not read it',
  EPERM: 'permission denied: the user hedge runs as may not read it',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ELOOP: 'too many symbolic links (a link that points to itself?)',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this host',
  EIO: 'the disk reported an input/output error',
};

/** "ENOENT (no such file or directory)"; the bare code for one without words; "error" when there is no code. */
export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return 'error';
  const words = WORDS[code];
  return words ? `${code} (${words})` : code;
}
