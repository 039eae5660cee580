import { AwsError } from '../../aws/error.js';

/**
 * S3's errors: the wire code, HTTP status, AWS's message, and the extra elements S3 puts in the
 * error document (`<Key>`, `<BucketName>`, `<ArgumentName>`, …), in order.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly fields: readonly (readonly [string, string])[] = [],
  ) {
    super(code, message, status);
    this.name = 'S3Error';
  }
}

export const s3Errors = {
  noSuchBucket: (bucket: string) => new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, [['BucketName', bucket]]),
  noSuchKey: (key: string) => new S3Error('NoSuchKey', 'The specified key does not exist.', 404, [['Key', key]]),
  noSuchUpload: (uploadId: string) =>
    new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, [['UploadId', uploadId]]),
  noSuchBucketPolicy: (bucket: string) => new S3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, [['BucketName', bucket]]),
  bucketNotEmpty: (bucket: string) => new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, [['BucketName', bucket]]),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, [['BucketName', bucket]]),
  invalidBucketName: (bucket: string) => new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, [['BucketName', bucket]]),
  invalidLocationConstraint: (value: string) =>
    new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, [['LocationConstraint', value]]),
  illegalLocationConstraint: (value: string | undefined) =>
    new S3Error(
      'IllegalLocationConstraintException',
      value === undefined
        ? 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.'
        : `The ${value} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    ),
  keyTooLong: (size: number) => new S3Error('KeyTooLongError', 'Your key is too long', 400, [['Size', String(size)], ['MaxSizeAllowed', '1024']]),
  metadataTooLarge: (size: number) =>
    new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, [['Size', String(size)], ['MaxSizeAllowed', '2048']]),
  entityTooLarge: (size: number, max: number) =>
    new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, [['ProposedSize', String(size)], ['MaxSizeAllowed', String(max)]]),
  entityTooSmall: (size: number, partNumber: number, etag: string) =>
    new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400, [
      ['ProposedSize', String(size)],
      ['MinSizeAllowed', String(5 * 1024 * 1024)],
      ['PartNumber', String(partNumber)],
      ['ETag', etag],
    ]),
  invalidPart: (uploadId: string, partNumber: number, etag: string) =>
    new S3Error(
      'InvalidPart',
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      400,
      [
        ['UploadId', uploadId],
        ['PartNumber', String(partNumber)],
        ['ETag', etag],
      ],
    ),
  invalidPartOrder: (uploadId: string) =>
    new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, [['UploadId', uploadId]]),
  invalidRange: (range: string, size: number) =>
    new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, [['RangeRequested', range], ['ActualObjectSize', String(size)]]),
  preconditionFailed: (condition: string) => new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, [['Condition', condition]]),
  invalidArgument: (message: string, name: string, value: string) => new S3Error('InvalidArgument', message, 400, [['ArgumentName', name], ['ArgumentValue', value]]),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', message, 400),
  malformedXml: () => new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400),
  malformedPolicy: (message: string) => new S3Error('MalformedPolicy', message, 400),
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', message, 403),
  badDigestMd5: (expected: string, calculated: string) =>
    new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, [['ExpectedDigest', expected], ['CalculatedDigest', calculated]]),
  badDigestChecksum: (algorithm: string) => new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400),
  invalidDigest: (value: string) => new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, [['Content-MD5', value]]),
  incompleteBody: () => new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400),
  missingContentLength: () => new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411),
  methodNotAllowed: (method: string, resourceType: string) =>
    new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, [['Method', method], ['ResourceType', resourceType]]),
  notImplemented: (header: string) => new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, [['Header', header]]),
  internal: () => new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500),
};
