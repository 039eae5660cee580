import { MAX_ROLE_NAME, ROLE_LOGICAL_ID } from './constants.js';

/**
 * Names eksctl gives an iamserviceaccount. eksctl deploys the role in a CloudFormation stack
 * named `eksctl-<cluster>-addon-iamserviceaccount-<namespace>-<name>`
 * (pkg/actions/irsa `makeIAMServiceAccountStackName`); without `--role-name` the role has no
 * name in the template, so CloudFormation names it `<stack>-<logical id>-<random>` within IAM's
 * 64 characters, cutting the stack name short: observed names look like
 * `eksctl-eksdemo1-addon-iamserviceaccount-kube-Role1-1244GWMVEAKEN` (44 characters of stack
 * name, `Role1`, 12–13 upper-case alphanumerics). irsa generates the same shape.
 */
export function stackName(cluster: string, namespace: string, name: string): string {
  return `eksctl-${cluster}-addon-iamserviceaccount-${namespace}-${name}`;
}

/** CloudFormation's suffixes are 12–13 characters of A–Z and 0–9; irsa always uses 13. */
export const SUFFIX_LENGTH = 13;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A suffix from random bytes (injected so tests are deterministic). */
export function randomSuffix(random: (n: number) => Uint8Array): string {
  const bytes = random(SUFFIX_LENGTH);
  let out = '';
  // 36 does not divide 256: the bias (256 mod 36 = 4 values of 256) is irrelevant for a name.
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** `<stack name, cut to fit>-Role1-<suffix>`, at most 64 characters. */
export function generatedRoleName(stack: string, suffix: string): string {
  const tail = `-${ROLE_LOGICAL_ID}-${suffix}`;
  return `${stack.slice(0, Math.max(0, MAX_ROLE_NAME - tail.length))}${tail}`;
}

/** IAM's rule for a role name: 1–64 of `[\w+=,.@-]`. */
export function isValidRoleName(name: string): boolean {
  return /^[\w+=,.@-]{1,64}$/.test(name);
}
