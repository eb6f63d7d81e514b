import { classifyError, type ErrorKind } from '../errors';

/** Exit codes of the galfriday CLI; scripts can rely on them. */
export const ExitCode = {
  OK: 0,
  /** Something failed at run time (a server error, a bug). */
  FAILURE: 1,
  /** The command line or the configuration is wrong. */
  USAGE: 2,
  /** A named model, version, experiment or file does not exist. */
  NOT_FOUND: 3,
  /** The request was understood and refused: a validation gate failed, input data was bad. */
  REJECTED: 4,
  /** A server the command needs (Temporal, PostgreSQL, the router) cannot be reached. */
  UNAVAILABLE: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that carries the exit code and a message meant for the user (printed without a stack). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.FAILURE,
  ) {
    super(message);
  }
}

const EXIT_CODE_OF_KIND: Record<ErrorKind, ExitCode> = {
  input: ExitCode.REJECTED,
  conflict: ExitCode.REJECTED,
  'not-found': ExitCode.NOT_FOUND,
  configuration: ExitCode.USAGE,
  transient: ExitCode.UNAVAILABLE,
  unexpected: ExitCode.FAILURE,
};

/**
 * The exit code for an error: a {@link CliError}'s own, else the one its kind (src/errors) calls for.
 *
 * ### Examples
 * ```ts
 * import { ModelNotFoundError } from '../db/errors';
 * import { FeatureSchemaError } from '../ml/errors';
 * exitCodeOf(new ModelNotFoundError('btc-1h')); // 3
 * exitCodeOf(new FeatureSchemaError('v1', ['f1'], [], [])); // 4
 * ```
 */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof CliError ? error.exitCode : EXIT_CODE_OF_KIND[classifyError(error).kind];
}
