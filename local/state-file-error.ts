/** Apart from state-file.ts: the command lines report it (exit 2) without loading the state file's schema or the sandbox. */

/** A state file that cannot be read, written or used; the message is one line naming the file and the problem. */
export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}
