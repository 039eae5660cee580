#!/usr/bin/env python3
"""Extracts the parts of AWS's service models that irsa-local's wire codecs need.

Reads the Smithy-derived JSON models that botocore ships (Apache-2.0, the same models AWS
builds its API reference from) and writes src/wire/models/<service>.ts: metadata, the
selected operations, and every shape they reach, with constraints (min, max, pattern, enum,
required) and serialization hints (locationName, flattened, timestampFormat). Documentation
strings are dropped. Run it when adding operations:

    python3 scripts/gen-aws-models.py
"""
import gzip, json, os, sys
import botocore

OPERATIONS = {
    'iam': ('2010-05-08', [
        'CreatePolicy', 'GetPolicy', 'ListPolicies', 'DeletePolicy',
        'CreatePolicyVersion', 'GetPolicyVersion', 'ListPolicyVersions', 'DeletePolicyVersion', 'SetDefaultPolicyVersion',
        'TagPolicy', 'UntagPolicy', 'ListPolicyTags',
        'CreateRole', 'GetRole', 'ListRoles', 'UpdateRole', 'UpdateRoleDescription', 'DeleteRole', 'UpdateAssumeRolePolicy',
        'TagRole', 'UntagRole', 'ListRoleTags',
        'AttachRolePolicy', 'DetachRolePolicy', 'ListAttachedRolePolicies', 'ListEntitiesForPolicy',
        'PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy', 'ListRolePolicies',
        'PutRolePermissionsBoundary', 'DeleteRolePermissionsBoundary',
        'CreateOpenIDConnectProvider', 'GetOpenIDConnectProvider', 'ListOpenIDConnectProviders', 'DeleteOpenIDConnectProvider',
        'AddClientIDToOpenIDConnectProvider', 'RemoveClientIDFromOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint',
        'TagOpenIDConnectProvider', 'UntagOpenIDConnectProvider', 'ListOpenIDConnectProviderTags',
        'CreateUser', 'GetUser', 'ListUsers', 'DeleteUser', 'TagUser', 'UntagUser', 'ListUserTags',
        'CreateAccessKey', 'ListAccessKeys', 'DeleteAccessKey', 'UpdateAccessKey',
        'AttachUserPolicy', 'DetachUserPolicy', 'ListAttachedUserPolicies',
        'PutUserPolicy', 'GetUserPolicy', 'DeleteUserPolicy', 'ListUserPolicies',
        'PutUserPermissionsBoundary', 'DeleteUserPermissionsBoundary',
        'GetAccountAuthorizationDetails', 'SimulateCustomPolicy', 'SimulatePrincipalPolicy',
    ]),
    'sts': ('2011-06-15', [
        'GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetSessionToken',
    ]),
    's3': ('2006-03-01', [
        'ListBuckets', 'CreateBucket', 'HeadBucket', 'DeleteBucket', 'GetBucketLocation',
        'PutObject', 'GetObject', 'HeadObject', 'DeleteObject', 'DeleteObjects', 'CopyObject',
        'ListObjectsV2', 'ListObjects',
        'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts', 'ListMultipartUploads',
        'PutBucketPolicy', 'GetBucketPolicy', 'DeleteBucketPolicy',
    ]),
    'secretsmanager': ('2017-10-17', [
        'CreateSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecret', 'DescribeSecret', 'ListSecrets',
        'DeleteSecret', 'RestoreSecret', 'TagResource', 'UntagResource',
        'PutResourcePolicy', 'GetResourcePolicy', 'DeleteResourcePolicy',
        'ListSecretVersionIds', 'UpdateSecretVersionStage', 'BatchGetSecretValue',
    ]),
    'bedrock': ('2023-04-20', ['ListFoundationModels', 'GetFoundationModel']),
    'bedrock-runtime': ('2023-09-30', ['InvokeModel', 'Converse']),
}

KEEP_SHAPE = ('type', 'min', 'max', 'pattern', 'enum', 'required', 'flattened', 'timestampFormat', 'locationName',
              'sensitive', 'exception', 'error', 'box', 'payload', 'streaming', 'eventstream', 'document', 'union',
              'xmlNamespace', 'requiresLength')
KEEP_MEMBER = ('shape', 'locationName', 'flattened', 'xmlNamespace', 'idempotencyToken', 'timestampFormat', 'location',
               'jsonvalue', 'xmlAttribute', 'hostLabel', 'eventpayload', 'eventheader', 'contextParam')


def main():
    base = os.path.join(os.path.dirname(botocore.__file__), 'data')
    out_dir = os.path.join(os.path.dirname(__file__), '..', 'src', 'wire', 'models')
    for service, (version, ops) in OPERATIONS.items():
        with gzip.open(os.path.join(base, service, version, 'service-2.json.gz')) as f:
            model = json.load(f)
        shapes = model['shapes']
        wanted, out_ops = set(), {}

        def reach(name):
            if name in wanted:
                return
            wanted.add(name)
            s = shapes[name]
            for m in s.get('members', {}).values():
                reach(m['shape'])
            if 'member' in s:
                reach(s['member']['shape'])
            for k in ('key', 'value'):
                if k in s:
                    reach(s[k]['shape'])

        for op in ops:
            o = model['operations'][op]
            entry = {'http': o['http'], 'errors': [e['shape'] for e in o.get('errors', [])]}
            if 'httpChecksum' in o:
                entry['httpChecksum'] = o['httpChecksum']
            if 'input' in o:
                entry['input'] = o['input']['shape']
                if 'locationName' in o['input']:
                    entry['inputLocationName'] = o['input']['locationName']
                reach(o['input']['shape'])
            if 'output' in o:
                entry['output'] = o['output']['shape']
                if 'resultWrapper' in o['output']:
                    entry['resultWrapper'] = o['output']['resultWrapper']
                reach(o['output']['shape'])
            if o.get('authtype') == 'none' or o.get('auth') == ['smithy.api#noAuth']:
                entry['unsigned'] = True
            for e in entry['errors']:
                reach(e)
            out_ops[op] = entry

        out_shapes = {}
        for name in sorted(wanted):
            s = shapes[name]
            d = {k: s[k] for k in KEEP_SHAPE if k in s}
            if 'members' in s:
                d['members'] = {m: {k: v for k, v in ref.items() if k in KEEP_MEMBER} for m, ref in s['members'].items()}
            for k in ('member', 'key', 'value'):
                if k in s:
                    d[k] = {kk: vv for kk, vv in s[k].items() if kk in KEEP_MEMBER}
            out_shapes[name] = d

        meta = model['metadata']
        doc = {
            'metadata': {k: meta[k] for k in ('apiVersion', 'protocol', 'xmlNamespace', 'signingName', 'endpointPrefix', 'targetPrefix', 'jsonVersion') if k in meta},
            'operations': out_ops,
            'shapes': out_shapes,
        }
        path = os.path.join(out_dir, f'{service}.ts')
        with open(path, 'w') as f:
            f.write('// Generated by scripts/gen-aws-models.py from the AWS service model shipped with botocore\n')
            f.write(f'// {botocore.__version__} (data/{service}/{version}/service-2.json; Apache-2.0, see NOTICE). Do not edit.\n')
            f.write("import type { ServiceModel } from '../model.js';\n\n")
            f.write(f'export const {service.upper().replace("-", "_")}_MODEL: ServiceModel = ')
            f.write(json.dumps(doc, indent=None, separators=(',', ':'), sort_keys=False))
            f.write(';\n')
        print(f'{path}: {len(out_ops)} operations, {len(out_shapes)} shapes')


if __name__ == '__main__':
    sys.exit(main())
