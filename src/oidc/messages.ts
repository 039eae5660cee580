/**
 * The wire codes and messages the web identity verifier produces. Messages AWS is known to send
 * are reproduced byte for byte (sources in ../shared/docs/aws-wire-facts.md §1.3); the rest are
 * ours, worded to say what failed, and marked so.
 */
import { AwsError } from '../aws/error.js';

export const INVALID_IDENTITY_TOKEN = 'InvalidIdentityToken';
export const EXPIRED_TOKEN = 'ExpiredTokenException';

/**
 * Discovery or JWKS unreachable, too slow, malformed, or no key for the token's `kid`. Observed
 * from AWS (aws/aws-sdk-js-v3#3052, aws/aws-cli#7194, awslabs/aws-sdk-rust#827); the two
 * spaces after the comma are AWS's.
 */
export const COULD_NOT_RETRIEVE_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

/** The IdP's TLS chain is neither CA-trusted nor pinned by a thumbprint. Observed (alphagov/gsp#889). */
export const THUMBPRINT_MISMATCH = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint";

/**
 * A signature that does not verify. No observed AWS message was found; this is the STS model's
 * documentation of InvalidIdentityTokenException (botocore sts/2011-06-15), i.e. AWS's own words
 * for this error, though not a captured response.
 */
export const SIGNATURE_INVALID =
  'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.';

/** Observed from AWS (aws/aws-sdk-ruby#2698); the same shape is used for our other required claims. */
export const missingClaim = (claim: string): string => `Missing a required claim: ${claim}`;

/** Observed from AWS (awslabs/amazon-eks-irsa-cfn#18). */
export const INCORRECT_AUDIENCE = 'Incorrect token audience';

/** Observed from AWS (parseablehq/parseable#604, aws/aws-sdk-java-v2#5709). */
export const tokenExpired = (nowSeconds: number, exp: number): string =>
  `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${exp}`;

/** Observed from AWS (mozilla-iam/mozilla-aws-cli#146); the threshold AWS applies is undocumented. */
export const tokenTooOld = (ageSeconds: number): string => `Token too old: ${ageSeconds}`;

// Ours: AWS's wording for these is unknown.
export const unsupportedAlgorithm = (alg: string): string =>
  `Unsupported token signing algorithm \`${alg}\`: tokens must be signed with RS256, RS384, RS512, ES256, ES384 or ES512`;
export const keyAlgorithmMismatch = (alg: string, kid: string | undefined): string =>
  `The token's signing algorithm \`${alg}\` does not match the verification key${kid === undefined ? '' : ` \`${kid}\``} published by the identity provider`;
export const notNumericDate = (claim: string): string =>
  `Invalid claim ${claim}: timestamps in the token must be formatted as either an integer or a long integer`;
export const notYetValid = (nowSeconds: number, nbf: number): string =>
  `Token not yet valid: current date/time ${nowSeconds} must be after the not-before date/time ${nbf}`;
export const issuedInFuture = (nowSeconds: number, iat: number): string =>
  `Token issued in the future: current date/time ${nowSeconds} must be after the issued-at date/time ${iat}`;
export const malformedToken = (reason: string): string => `The web identity token is not a valid JWT: ${reason}`;

export function invalidIdentityToken(message: string): AwsError {
  return new AwsError(INVALID_IDENTITY_TOKEN, message, 400);
}
