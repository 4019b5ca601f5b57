/** One `optout-hub` subcommand. Each lives in its own file under cli/commands/. */
export interface Command {
  /** One line for `optout-hub help`. */
  summary: string;
  /** Usage and options, printed by `optout-hub help COMMAND` and on bad arguments. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A problem with how the command was called: printed with its usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
