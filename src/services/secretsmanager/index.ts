import { deleteSecret, describeSecret, listSecretVersionIds, restoreSecret, updateSecretVersionStage } from './lifecycle.js';
import { batchGetSecretValue, listSecrets } from './listing.js';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy, tagResource, untagResource } from './metadata.js';
import { SecretsManager, type Input, type Output, type SmCall, type SmDeps } from './service.js';
import { createSecret, getSecretValue, putSecretValue, updateSecret } from './values.js';

/**
 * AWS Secrets Manager (API 2017-10-17): the operations this build serves, by their wire names.
 * Input is the decoded request (members named as in the service model); output likewise.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/
 */
export type { Authorize, AuthzRequest, ContextEntry } from './authorization.js';
export type { Input, Output, SmCall, SmDeps } from './service.js';

export type SmOperation = (input: Input, call: SmCall) => Promise<Output>;

export function secretsManagerOperations(deps: SmDeps): Readonly<Record<string, SmOperation>> {
  const sm = new SecretsManager(deps);
  const bind =
    (fn: (sm: SecretsManager, input: Input, call: SmCall) => Promise<Output>): SmOperation =>
    (input, call) =>
      fn(sm, input, call);
  return {
    CreateSecret: bind(createSecret),
    GetSecretValue: bind(getSecretValue),
    BatchGetSecretValue: bind(batchGetSecretValue),
    PutSecretValue: bind(putSecretValue),
    UpdateSecret: bind(updateSecret),
    DescribeSecret: bind(describeSecret),
    ListSecrets: bind(listSecrets),
    DeleteSecret: bind(deleteSecret),
    RestoreSecret: bind(restoreSecret),
    TagResource: bind(tagResource),
    UntagResource: bind(untagResource),
    PutResourcePolicy: bind(putResourcePolicy),
    GetResourcePolicy: bind(getResourcePolicy),
    DeleteResourcePolicy: bind(deleteResourcePolicy),
    ListSecretVersionIds: bind(listSecretVersionIds),
    UpdateSecretVersionStage: bind(updateSecretVersionStage),
  };
}
