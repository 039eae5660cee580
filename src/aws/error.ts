/**
 * The one error type for AWS API failures. `code` is the exact wire code (`InvalidIdentityToken`,
 * not the SDK class name `InvalidIdentityTokenException`), `httpStatus` the status AWS sends,
 * `senderFault` whether the caller is at fault (`Sender`) or the service (`Receiver`). The wire
 * layer renders it in each protocol's envelope; domain code only throws it.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    readonly senderFault = httpStatus < 500,
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}
