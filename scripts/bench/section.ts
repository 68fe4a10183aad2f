/** A section of `npm run bench`: one measurement, printed as it goes. */
export interface BenchSection {
  /** One line for `npm run bench -- --help`. */
  description: string;
  /**
   * Runs the measurement and prints its table.
   *
   * @throws Error with a one-line message when the measurement cannot run (e.g. bundles missing).
   */
  run(print: (line: string) => void): Promise<void> | void;
}
