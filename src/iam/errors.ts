import { AwsError } from '../aws/error.js';

/**
 * IAM's error catalog: wire codes, HTTP statuses (from the IAM model) and the messages IAM
 * returns (sources in docs/iam.md).
 */
export const iamError = {
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message, 404),
  entityAlreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message, 409),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message, 409),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message, 409),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  invalidInput: (message: string) => new AwsError('InvalidInput', message, 400),
  validation: (message: string) => new AwsError('ValidationError', message, 400),
  unmodifiable: (message: string) => new AwsError('UnmodifiableEntity', message, 400),
  notAttachable: (message: string) => new AwsError('PolicyNotAttachable', message, 400),
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),
};

export const roleNotFound = (name: string) => iamError.noSuchEntity(`The role with name ${name} cannot be found.`);
export const userNotFound = (name: string) => iamError.noSuchEntity(`The user with name ${name} cannot be found.`);
export const policyNotFound = (arn: string) => iamError.noSuchEntity(`Policy ${arn} was not found.`);
export const policyNotAttachable = (arn: string) => iamError.noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
/** A permissions boundary that names a missing policy (CreateRole, CreateUser, Put…PermissionsBoundary). */
export const boundaryNotAttachable = (arn: string) => iamError.noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
export const versionNotFound = (arn: string, v: string) => iamError.noSuchEntity(`Policy ${arn} version ${v} does not exist or is not attachable.`);
export const invalidArn = () => iamError.validation('Invalid ARN:  Could not be parsed!');
