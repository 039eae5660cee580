#!/usr/bin/env python3
"""Checks raw IAM/STS responses the way a real client reads them, with botocore's own code.

Reads a JSON list of responses on stdin: {id, service, operation, status, headers, body}.
Writes a JSON object on stdout mapping each id to:
  problems   -- what botocore or the documented AWS shape would not accept (empty when fine)
  error      -- for error responses: Code, Message, Type and RequestId as botocore parsed them
  modelled   -- for error responses: the service model's error shape for that code on this
                operation ({shape, status, senderFault}) or null when the operation does not model it
  anyModel   -- the same, searched over every error shape of the service (null when none)
  exception  -- the class botocore's client raises for that code (e.g. NoSuchEntityException)

Success responses are parsed with botocore.parsers.QueryParser against the operation's output
shape from botocore's service model, then checked for: the root element and namespace, the
result wrapper exactly when the model has one, ResponseMetadata/RequestId equal to the
x-amzn-RequestId header, every required member present at every depth, no element botocore
would silently drop (a name not in the shape), ISO 8601 timestamps without a fraction, and
policy documents URL-encoded per RFC 3986 (only unreserved characters bare) that botocore's own
after-call handler decodes to JSON.
"""
import json
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.session
from botocore import handlers, parsers

NAMESPACES = {
    'iam': 'https://iam.amazonaws.com/doc/2010-05-08/',
    'sts': 'https://sts.amazonaws.com/doc/2011-06-15/',
}
UNRESERVED_ENCODED = re.compile(r'^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$')
# Values real IAM sends although botocore's model enum does not list them.
KNOWN_ENUM_DIVERGENCES = {
    # GetRole/GetUser: "PermissionsBoundaryType": "Policy" (awsdocs/iam-user-guide#82; the model says PermissionsBoundaryPolicy)
    'PermissionsBoundaryAttachmentType': ('Policy',),
    # SimulatePrincipalPolicy API reference examples: <SourcePolicyType>IAM Policy</SourcePolicyType>, "Resource Policy"
    'PolicySourceType': ('IAM Policy', 'Resource Policy'),
}
ISO_SECONDS = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')

session = botocore.session.get_session()
models = {s: session.get_service_model(s) for s in NAMESPACES}
clients = {
    s: session.create_client(s, region_name='us-east-1', aws_access_key_id='AKIAEXAMPLE', aws_secret_access_key='x')
    for s in NAMESPACES
}


def local(tag):
    return tag.split('}', 1)[1] if tag.startswith('{') else tag


def children(el):
    return [c for c in el]


def check_xml(shape, el, path, problems):
    """The XML element against the shape: names botocore knows, required members, formats."""
    t = shape.type_name
    if t == 'structure':
        by_name = {}
        for name, member in shape.members.items():
            by_name[member.serialization.get('name', name)] = (name, member)
        seen = set()
        for c in children(el):
            n = local(c.tag)
            if n not in by_name:
                problems.append(f'{path}: element <{n}> is not a member of {shape.name} (botocore drops it)')
                continue
            if n in seen and by_name[n][1].type_name != 'list':
                problems.append(f'{path}: element <{n}> appears more than once')
            seen.add(n)
            check_xml(by_name[n][1], c, f'{path}.{n}', problems)
        for req in shape.required_members:
            wire = shape.members[req].serialization.get('name', req)
            if wire not in seen:
                problems.append(f'{path}: required member {req} is missing')
    elif t == 'list':
        member_name = shape.member.serialization.get('name', 'member')
        if shape.serialization.get('flattened'):
            problems.append(f'{path}: flattened lists are not expected in IAM/STS')
        for i, c in enumerate(children(el)):
            if local(c.tag) != member_name:
                problems.append(f'{path}: list item is <{local(c.tag)}>, expected <{member_name}>')
            check_xml(shape.member, c, f'{path}[{i}]', problems)
        if 'min' in shape.metadata and len(children(el)) < shape.metadata['min']:
            problems.append(f'{path}: fewer than {shape.metadata["min"]} items')
    elif t == 'map':
        entries = children(el)
        for i, c in enumerate(entries):
            names = [local(x.tag) for x in c]
            if local(c.tag) != 'entry' or names != ['key', 'value']:
                problems.append(f'{path}[{i}]: map entry is <{local(c.tag)}> with {names}, expected <entry><key/><value/></entry>')
                continue
            check_xml(shape.key, c[0], f'{path}[{i}].key', problems)
            check_xml(shape.value, c[1], f'{path}[{i}].value', problems)
    else:
        if children(el):
            problems.append(f'{path}: scalar {shape.name} has child elements')
        text = el.text or ''
        if t == 'timestamp' and not ISO_SECONDS.match(text):
            problems.append(f'{path}: timestamp {text!r} is not ISO 8601 in whole seconds')
        if t == 'boolean' and text not in ('true', 'false'):
            problems.append(f'{path}: boolean {text!r}')
        if t in ('integer', 'long') and not re.match(r'^-?\d+$', text):
            problems.append(f'{path}: integer {text!r}')
        if t == 'string' and shape.enum and text not in shape.enum and text not in KNOWN_ENUM_DIVERGENCES.get(shape.name, ()):
            problems.append(f'{path}: {text!r} is not one of {shape.name} {shape.enum}')
        if shape.name == 'policyDocumentType':
            if not UNRESERVED_ENCODED.match(text):
                problems.append(f'{path}: policy document is not RFC 3986 URL-encoded: {text[:80]!r}')
            else:
                try:
                    json.loads(urllib.parse.unquote(text))
                except ValueError as e:
                    problems.append(f'{path}: policy document does not decode to JSON: {e}')


def policy_docs_decoded(shape, value, path, problems):
    """After botocore's json_decode_policies every policyDocumentType value must be a dict."""
    if value is None:
        return
    t = shape.type_name
    if t == 'structure':
        for name, member in shape.members.items():
            if name in value:
                policy_docs_decoded(member, value[name], f'{path}.{name}', problems)
    elif t == 'list':
        for i, v in enumerate(value):
            policy_docs_decoded(shape.member, v, f'{path}[{i}]', problems)
    elif shape.name == 'policyDocumentType' and not isinstance(value, dict):
        problems.append(f'{path}: botocore did not decode the policy document')


def error_shape_for(shapes, code):
    for s in shapes:
        if s.error_code == code:
            err = s.metadata.get('error', {})
            return {'shape': s.name, 'status': err.get('httpStatusCode'), 'senderFault': err.get('senderFault', True)}
    return None


def check(case):
    problems = []
    out = {'problems': problems}
    service, op_name, status = case['service'], case['operation'], case['status']
    model = models[service]
    ns = NAMESPACES[service]
    headers = {k.lower(): v for k, v in case['headers'].items()}
    body = case['body']
    request_id = headers.get('x-amzn-requestid')
    if headers.get('content-type') != 'text/xml':
        problems.append(f'content-type is {headers.get("content-type")!r}, AWS sends text/xml')
    if not request_id:
        problems.append('no x-amzn-RequestId header')
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        problems.append(f'body is not XML: {e}')
        return out
    op = model.operation_model(op_name) if op_name in model.operation_names else None
    parser = parsers.create_parser('query')
    response = {'status_code': status, 'headers': headers, 'body': body.encode('utf-8')}

    if status >= 300:
        if root.tag != f'{{{ns}}}ErrorResponse':
            problems.append(f'error root is {root.tag}, expected {{{ns}}}ErrorResponse')
        names = [local(c.tag) for c in root]
        if names != ['Error', 'RequestId']:
            problems.append(f'ErrorResponse children are {names}, expected [Error, RequestId]')
        err = root.find(f'{{{ns}}}Error')
        if err is None:
            problems.append('no Error element')
            return out
        enames = [local(c.tag) for c in err]
        if enames != ['Type', 'Code', 'Message']:
            problems.append(f'Error children are {enames}, expected [Type, Code, Message]')
        try:
            parsed = parser.parse(response, op.output_shape if op else None)
        except Exception as e:  # noqa: BLE001 - any parser failure is the finding
            problems.append(f'botocore could not parse the error: {type(e).__name__}: {e}')
            return out
        e = parsed.get('Error', {})
        out['error'] = {
            'Code': e.get('Code'),
            'Message': e.get('Message'),
            'Type': e.get('Type'),
            'RequestId': parsed.get('ResponseMetadata', {}).get('RequestId'),
        }
        if out['error']['RequestId'] != request_id:
            problems.append(f'RequestId {out["error"]["RequestId"]!r} differs from the header {request_id!r}')
        expected_type = 'Sender' if status < 500 else 'Receiver'
        if e.get('Type') != expected_type:
            problems.append(f'Type {e.get("Type")!r} for HTTP {status}, expected {expected_type}')
        code = e.get('Code') or ''
        out['modelled'] = error_shape_for(op.error_shapes, code) if op else None
        out['anyModel'] = error_shape_for([model.shape_for(n) for n in model.shape_names if model.shape_for(n).metadata.get('exception')], code)
        out['exception'] = clients[service].exceptions.from_code(code).__name__
        return out

    if op is None:
        problems.append(f'{op_name} is not a {service} operation')
        return out
    if root.tag != f'{{{ns}}}{op_name}Response':
        problems.append(f'root is {root.tag}, expected {{{ns}}}{op_name}Response')
    shape = op.output_shape
    wrapper = shape.serialization.get('resultWrapper') if shape is not None else None
    names = [local(c.tag) for c in root]
    expected = ([wrapper] if wrapper else []) + ['ResponseMetadata']
    if names != expected:
        problems.append(f'{op_name}Response children are {names}, expected {expected}')
    md = root.find(f'{{{ns}}}ResponseMetadata')
    rid = md.find(f'{{{ns}}}RequestId') if md is not None else None
    if rid is None or rid.text != request_id:
        problems.append(f'ResponseMetadata/RequestId {getattr(rid, "text", None)!r} differs from the header {request_id!r}')
    try:
        parsed = parser.parse(response, shape)
    except Exception as e:  # noqa: BLE001
        problems.append(f'botocore could not parse the response: {type(e).__name__}: {e}')
        return out
    if parsed.get('ResponseMetadata', {}).get('RequestId') != request_id:
        problems.append('botocore did not find the RequestId')
    if wrapper:
        result = root.find(f'{{{ns}}}{wrapper}')
        if result is not None:
            check_xml(shape, result, wrapper, problems)
        if service == 'iam':
            handlers.json_decode_policies(parsed, op)
            policy_docs_decoded(shape, parsed, op_name, problems)
    return out


def main():
    cases = json.load(sys.stdin)
    json.dump({c['id']: check(c) for c in cases}, sys.stdout)


if __name__ == '__main__':
    main()
