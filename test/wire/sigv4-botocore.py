"""Signs requests with botocore's own signers and sends them with botocore's own HTTP session.

Used by test/wire/sigv4.test.ts. Reads {"endpoint": "http://127.0.0.1:PORT", "cases": [...]} on
stdin and prints one JSON result per case: {"name", "status", "body"} or {"name", "error"}.

Case fields:
  name, signer ('v4' | 's3v4' | 'v4-query' | 's3v4-query' | 'client-call' | 'client-presign'),
  service, region, ak, sk, token?, method, path, query? ([[k, v], ...] encoded as botocore does),
  rawQuery? (appended exactly as given), headers? ({name: value}), body?, form? ({name: value},
  the query-protocol parameters as botocore's serializer hands them over), expires?,
  tamper? ({"body": str} | {"header": [name, value]} | {"path": str} | {"query": str})
"""
import json
import sys

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session
from botocore.session import get_session
from botocore.utils import percent_encode_sequence


def url_for(endpoint, case):
    url = endpoint + case.get('path', '/')
    query = ''
    if case.get('query'):
        query = percent_encode_sequence(
            [(k, v) for k, v in case['query']]
        )
    if case.get('rawQuery'):
        query = (query + '&' if query else '') + case['rawQuery']
    return url + ('?' + query if query else '')


def run_signer(endpoint, case, http):
    creds = Credentials(case['ak'], case['sk'], case.get('token'))
    kind = case['signer']
    if kind == 'v4':
        signer = SigV4Auth(creds, case['service'], case['region'])
    elif kind == 's3v4':
        signer = S3SigV4Auth(creds, case['service'], case['region'])
    elif kind == 'v4-query':
        signer = SigV4QueryAuth(creds, case['service'], case['region'], expires=case.get('expires', 3600))
    elif kind == 's3v4-query':
        signer = S3SigV4QueryAuth(creds, case['service'], case['region'], expires=case.get('expires', 3600))
    else:
        raise ValueError(kind)
    if 'form' in case:
        data = dict(case['form'])  # query protocol: a dict, as botocore's serializer leaves it
    else:
        data = case.get('body', '').encode('utf-8')
    request = AWSRequest(
        method=case.get('method', 'GET'),
        url=url_for(endpoint, case),
        headers=case.get('headers', {}),
        data=data,
    )
    signer.add_auth(request)
    prepared = request.prepare()
    tamper = case.get('tamper') or {}
    if 'body' in tamper:
        prepared.body = tamper['body'].encode('utf-8')
        prepared.headers['Content-Length'] = str(len(prepared.body))
    if 'header' in tamper:
        prepared.headers[tamper['header'][0]] = tamper['header'][1]
    if 'path' in tamper:
        prepared.url = prepared.url.replace(case['path'], tamper['path'], 1)
    if 'query' in tamper:
        prepared.url = prepared.url + '&' + tamper['query']
    response = http.send(prepared)
    return {'status': response.status_code, 'body': response.content.decode('utf-8')}


def run_client(endpoint, case):
    session = get_session()
    client = session.create_client(
        'sts',
        region_name=case['region'],
        endpoint_url=endpoint,
        aws_access_key_id=case['ak'],
        aws_secret_access_key=case['sk'],
        aws_session_token=case.get('token'),
        config=Config(retries={'max_attempts': 1}),
    )
    if case['signer'] == 'client-call':
        try:
            out = client.get_caller_identity()
            return {'status': 200, 'body': json.dumps({'Arn': out['Arn'], 'UserId': out['UserId'], 'Account': out['Account']})}
        except client.exceptions.ClientError as e:
            return {'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'body': json.dumps(e.response['Error'])}
    # aws eks get-token: a presigned GetCallerIdentity with the cluster name in a signed header
    def inject_cluster_header(request, **kwargs):
        request.headers['x-k8s-aws-id'] = 'my-cluster'

    client.meta.events.register('before-sign.sts.GetCallerIdentity', inject_cluster_header)
    url = client.generate_presigned_url('get_caller_identity', Params={}, ExpiresIn=case.get('expires', 60), HttpMethod='GET')
    request = AWSRequest(method='GET', url=url, headers={'x-k8s-aws-id': 'my-cluster'})
    response = URLLib3Session().send(request.prepare())
    return {'status': response.status_code, 'body': response.content.decode('utf-8'), 'url': url}


def main():
    job = json.load(sys.stdin)
    endpoint = job['endpoint']
    http = URLLib3Session()
    results = []
    for case in job['cases']:
        try:
            if case['signer'].startswith('client-'):
                out = run_client(case.get('endpoint', endpoint), case)
            else:
                out = run_signer(case.get('endpoint', endpoint), case, http)
        except Exception as e:  # reported, the test fails on it
            out = {'error': f'{type(e).__name__}: {e}'}
        out['name'] = case['name']
        results.append(out)
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
