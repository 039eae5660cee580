import { AwsError } from '../../aws/error.js';

/**
 * Secrets Manager's errors with the messages AWS sends. All are HTTP 400 in the JSON protocol.
 * Sources: the API reference (error shapes), LocalStack snapshot tests validated against AWS
 * (tests/aws/services/secretsmanager/*.snapshot.json), and error texts quoted from real responses
 * in public issues; the few whose text could not be confirmed are marked "text not verified".
 */
const e = (code: string, message: string): AwsError => new AwsError(code, message, 400);

export const smErrors = {
  notFound: () => e('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  noValueForStage: (stage: string) => e('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`),
  noValueForVersion: (id: string) => e('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${id}`),
  markedForDeletion: () => e('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion."),
  alreadyMarkedDeleted: () => e('InvalidRequestException', "You tried to perform the operation on a secret that's currently marked deleted."),
  nameScheduledForDeletion: () => e('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion."),
  exists: (name: string) => e('ResourceExistsException', `The operation failed because the secret ${name} already exists.`),
  /** Text as moto and other emulators give it (not verified). */
  tokenInUse: (token: string, arn: string) => e('ResourceExistsException', `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`),
  needToken: () => e('InvalidRequestException', 'You must provide a ClientRequestToken value. We recommend a UUID-type value.'),
  needValue: () => e('InvalidRequestException', 'You must provide either SecretString or SecretBinary.'),
  bothValues: () => e('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret."),
  stageNotOnVersion: () => e('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.'),
  recoveryWindow: () => e('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).'),
  forceWithWindow: () => e('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."),
  invalidName: () => e('ValidationException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!'),
  invalidNextToken: () => e('InvalidNextTokenException', 'The NextToken value is invalid.'),
  accessDenied: (message: string) => e('AccessDeniedException', message),
  decryption: () => e('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key."),
  malformedPolicy: (message: string) => e('MalformedPolicyDocumentException', message),
  publicPolicy: () => e('PublicPolicyException', 'The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.'),
  invalidParameter: (message: string) => e('InvalidParameterException', message),
  invalidRequest: (message: string) => e('InvalidRequestException', message),
  limitExceeded: (message: string) => e('LimitExceededException', message),
} as const;
