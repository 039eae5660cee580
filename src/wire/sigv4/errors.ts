/**
 * Why a SigV4 check failed. The kind picks the AWS error code per protocol (the wire layer maps it:
 * query `SignatureDoesNotMatch` / JSON `InvalidSignatureException` / S3 `SignatureDoesNotMatch` for
 * 'badSignature', …); the message is AWS's wording for the situation.
 *
 * - missing: no SigV4 auth at all → `MissingAuthenticationToken`
 * - incomplete: Authorization header / presign parameters unusable → `IncompleteSignature`
 * - malformedDate: X-Amz-Date / Date not parseable → `IncompleteSignature`
 * - unknownKey: access key id not known → `InvalidClientTokenId` (S3 `InvalidAccessKeyId`)
 * - badSignature: signature, scope or payload hash wrong → `SignatureDoesNotMatch`
 * - signatureExpired: request time outside the allowed skew → `SignatureDoesNotMatch`
 *   (S3 `RequestTimeTooSkewed`)
 * - expiredToken: session credentials expired → `ExpiredToken`
 * - invalidToken: session token missing / wrong / malformed → `InvalidClientTokenId` (S3 `InvalidToken`)
 * - requestExpired: presigned URL past X-Amz-Date + X-Amz-Expires → S3 `AccessDenied` "Request has expired"
 *
 * S3 words several of these differently and uses more codes; `details.s3Code` / `details.s3Message`
 * carry S3's form where it differs (server/auth.ts `s3AuthError` renders them).
 */
export type AuthFailureKind =
  | 'missing'
  | 'incomplete'
  | 'malformedDate'
  | 'unknownKey'
  | 'badSignature'
  | 'signatureExpired'
  | 'expiredToken'
  | 'invalidToken'
  | 'requestExpired';

/** Extra facts some error envelopes carry (S3 puts several of them in its error body). None is secret. */
export interface AuthFailureDetails {
  /** The S3 error code when S3 uses a more specific one than the kind's usual mapping. */
  s3Code?:
    | 'AuthorizationQueryParametersError'
    | 'AuthorizationHeaderMalformed'
    | 'XAmzContentSHA256Mismatch'
    | 'InvalidArgument'
    | 'InvalidRequest'
    | 'AccessDenied'
    | 'RequestTimeTooSkewed';
  /** S3's wording when it differs from the message (which is the query/JSON services' wording). */
  s3Message?: string;
  /** InvalidArgument: the argument S3 names in its error body. */
  argumentName?: string;
  argumentValue?: string;
  /** badSignature: what the server computed (S3 returns these as CanonicalRequest / StringToSign). */
  canonicalRequest?: string;
  stringToSign?: string;
  signatureProvided?: string;
  accessKeyId?: string;
  /** signatureExpired / requestExpired: the request's time and the server's, as ISO 8601 basic. */
  requestTime?: string;
  serverTime?: string;
  maxSkewMs?: number;
  /** requestExpired: when the presigned URL stopped being valid (ISO 8601). */
  expires?: string;
  /** requestExpired, SigV4: the X-Amz-Expires parameter as sent. */
  amzExpires?: string;
  /** XAmzContentSHA256Mismatch: the header value and the hash of the body received. */
  clientComputedContentSHA256?: string;
  s3ComputedContentSHA256?: string;
}

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    message: string,
    readonly details: AuthFailureDetails = {},
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}
