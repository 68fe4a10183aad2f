/** A state file that cannot be read, written or used; one line. Apart so the command lines need not load state-file.ts. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}
