/** A section of `npm run bench`: one measurement, printed as it goes. */
export interface BenchSection {
  /** One line for `npm run bench -- --help`. */
  description: string;
  /**
   * Runs the measurement and prints its table.
   *
   * @param args - the options after the section's name (`npm run bench -- reconciliation --accounts 1000`).
   * @throws Error with a one-line message when the measurement cannot run (e.g. bundles missing) or an option is wrong.
   */
  run(print: (line: string) => void, args?: string[]): Promise<void> | void;
}
