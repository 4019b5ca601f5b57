import { parseArgs, type ParseArgsConfig } from 'node:util';

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

/** The value of `read`, with any failure reported as a UsageError (printed with the command's usage). */
export function asUsageError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** node:util's parseArgs, with a misuse reported as a UsageError. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  return asUsageError(() => parseArgs(config));
}
