/** The user asked for something the command cannot do: printed without a stack, exit 2. */
export class UsageError extends Error {}

/** An expected failure the user has been told about, with its exit code. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
