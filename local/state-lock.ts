/** One run at a time on a state file: `FILE.lock` holds the process id; a lock whose process is gone is taken over. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { StateFileError } from './state-file-error';

/** Whether a process with that id is running (signal 0 only checks; `EPERM` means it runs as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes a state file's lock; returns its idempotent release. @throws StateFileError when a live process holds it or it cannot be made. */
export function lockStateFile(file: string, staleRemoved = false): () => void {
  const lockFile = `${file}.lock`;
  try {
    writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new StateFileError(`--state ${file}: cannot create the lock ${lockFile} (${code ?? 'error'})`);
    const holder = holderOf(lockFile);
    // A lock found again right after its stale one went is another run's, whatever its holder says.
    if (holder === undefined || isRunning(holder) || staleRemoved) {
      const who = holder === undefined ? `its lock ${lockFile} exists` : `process ${holder} is using it`;
      throw new StateFileError(
        `--state ${file} is in use by another run (${who}); wait for it to finish, or delete the lock if no run is left`,
      );
    }
    // The run that held it is gone: its state file was saved whole or not at all (see saveState).
    rmSync(lockFile, { force: true });
    return lockStateFile(file, true);
  }
  let released = false;
  return () => {
    if (!released) rmSync(lockFile, { force: true });
    released = true;
  };
}
