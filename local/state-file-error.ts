/**
 * The error of a state file, apart from the state file's schema and the sandbox it restores: the command lines report
 * it (exit 2) without loading either.
 */

/** A state file that cannot be read, written or used; the message is one line naming the file and the problem. */
export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}
