// reload.watch: reload when the config file changes. Watches the directory
// (editors and config-management tools replace files by rename, which a watch
// on the file itself would lose) and debounces bursts of events into one
// reload.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../shared/log.js';

export function watchPolicyFile(file: string, debounceMs: number, reload: () => void, log: Logger): { close(): void } {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let w: FSWatcher;
  try {
    w = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, debounceMs);
      timer.unref();
    });
  } catch (err) {
    log.error('reload.watch: cannot watch the config file; reload with SIGHUP or POST /policy/reload', { file, code: (err as NodeJS.ErrnoException).code });
    return { close() {} };
  }
  w.on('error', (err: NodeJS.ErrnoException) => log.error('reload.watch: watching stopped', { file, code: err.code }));
  log.info('watching the config file for changes', { file });
  return {
    close() {
      if (timer) clearTimeout(timer);
      w.close();
    },
  };
}
