import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestContext } from '../../../src/policy/context.js';
import { parseTemplate, renderTemplate } from '../../../src/policy/variables.js';

describe('policy variables ("IAM policy elements: Variables and tags")', () => {
  const ctx = new RequestContext([
    { key: 'aws:username', values: ['alice'] },
    { key: 'aws:PrincipalTag/team', values: ['blue'] },
    { key: 'aws:TagKeys', type: 'stringList', values: ['a', 'b'] },
  ]);
  const render = (s: string) => renderTemplate(parseTemplate(s) ?? [{ kind: 'text', text: s }], ctx);
  it('substitutes keys case-insensitively', () => assert.equal(render('home/${AWS:UserName}/'), 'home/alice/'));
  it('uses a default when the key is absent', () => assert.equal(render("${aws:PrincipalTag/dept, 'none'}"), 'none'));
  it('prefers the value to the default', () => assert.equal(render("${aws:PrincipalTag/team, 'none'}"), 'blue'));
  it('has no value for an absent key without default', () => assert.equal(render('${aws:userid}'), undefined));
  it('cannot use a multivalued key', () => assert.equal(render('${aws:TagKeys}'), undefined));
  it('reads the escapes literally', () => assert.equal(render('${*}${?}${$}'), '*?$'));
  it('leaves text without variables alone', () => assert.equal(parseTemplate('plain*'), undefined));
  it('leaves an unclosed ${ as text', () => assert.equal(render('a${b'), 'a${b'));
});
