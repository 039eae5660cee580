"""S3 SigV2 requests made by botocore itself, for test/wire/sigv2.test.ts.

Reads {"endpoint": "http://127.0.0.1:PORT", "cases": [...]} on stdin; prints one JSON result per
case. Case fields:
  name, kind ('presign' | 'header'), ak, sk, token?,
  presign: operation ('get_object' | 'put_object' | ...), params ({...}), expires?, addressing?
           ('path' | 'virtual'), endpoint? -> {"name", "url"} (boto3 generate_presigned_url; in
           us-east-1 botocore picks SigV2 for presigning)
  header:  method, path, query? (raw string), headers? ({name: value}), body?, auth_path? (the
           resource botocore signs for a virtual-hosted request), send? (default true)
           -> {"name", "status", "body"} when sent with botocore's HTTP session, or
              {"name", "headers", "url"} (the signed request, for the test to send itself)
"""
import json
import sys

import boto3
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session


def presign(endpoint, case):
    config = Config(s3={'addressing_style': case.get('addressing', 'path')}, signature_version=None)
    client = boto3.session.Session().client(
        's3',
        region_name='us-east-1',
        endpoint_url=case.get('endpoint', endpoint),
        aws_access_key_id=case['ak'],
        aws_secret_access_key=case['sk'],
        aws_session_token=case.get('token'),
        config=config,
    )
    url = client.generate_presigned_url(case['operation'], Params=case['params'], ExpiresIn=case.get('expires', 3600))
    return {'url': url}


def header(endpoint, case, http):
    creds = Credentials(case['ak'], case['sk'], case.get('token'))
    url = endpoint + case['path'] + ('?' + case['query'] if case.get('query') else '')
    request = AWSRequest(method=case['method'], url=url, headers=case.get('headers', {}), data=case.get('body', '').encode('utf-8'))
    if case.get('auth_path'):
        request.auth_path = case['auth_path']
    HmacV1Auth(creds).add_auth(request)
    prepared = request.prepare()
    if not case.get('send', True):
        return {'url': prepared.url, 'headers': dict(prepared.headers.items())}
    response = http.send(prepared)
    return {'status': response.status_code, 'body': response.content.decode('utf-8')}


def main():
    job = json.load(sys.stdin)
    http = URLLib3Session()
    out = []
    for case in job['cases']:
        try:
            res = presign(job['endpoint'], case) if case['kind'] == 'presign' else header(job['endpoint'], case, http)
        except Exception as e:  # reported; the test fails on it
            res = {'error': f'{type(e).__name__}: {e}'}
        res['name'] = case['name']
        out.append(res)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
