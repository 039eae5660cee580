/**
 * An STS stand-in that records what the real SDKs send: AssumeRoleWithWebIdentity (unsigned,
 * with the token they read from AWS_WEB_IDENTITY_TOKEN_FILE) and then GetCallerIdentity signed
 * with the temporary credentials it returned. It checks nothing: the point is what the pod's
 * process sends, not STS (the real STS has its own tests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_ACCESS_KEY = 'ASIASTUBSTUBSTUBSTUB';

export interface StsCall {
  readonly action: string;
  readonly params: Record<string, string>;
  readonly authorization?: string;
  readonly securityToken?: string;
}

export interface StubSts {
  readonly url: string;
  readonly calls: StsCall[];
  close(): Promise<void>;
}

const xml = (action: string, result: string) =>
  `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></${action}Response>`;

export async function startStubSts(): Promise<StubSts> {
  const calls: StsCall[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params['Action'] ?? '';
      calls.push({
        action,
        params,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers['x-amz-security-token'] ? { securityToken: String(req.headers['x-amz-security-token']) } : {}),
      });
      const role = (params['RoleArn'] ?? 'arn:aws:iam::111122223333:role/unknown').split('/').pop();
      const session = params['RoleSessionName'] ?? 'session';
      let out: string;
      if (action === 'AssumeRoleWithWebIdentity') {
        out = xml(
          action,
          `<SubjectFromWebIdentityToken>system:serviceaccount:demo:app</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>` +
            `<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/${role}/${session}</Arn><AssumedRoleId>AROASTUB:${session}</AssumedRoleId></AssumedRoleUser>` +
            `<Credentials><AccessKeyId>${STUB_ACCESS_KEY}</AccessKeyId><SecretAccessKey>stub-secret</SecretAccessKey><SessionToken>stub-session-token</SessionToken>` +
            `<Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials><Provider>stub</Provider>`,
        );
      } else if (action === 'GetCallerIdentity') {
        out = xml(action, `<Arn>arn:aws:sts::111122223333:assumed-role/s3-reader/stub</Arn><UserId>AROASTUB:stub</UserId><Account>111122223333</Account>`);
      } else {
        res.writeHead(400, { 'Content-Type': 'text/xml' }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
