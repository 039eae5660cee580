import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, compileTokens, STAR, ANY_CHAR } from '../../../src/policy/wildcard.js';

// "IAM JSON policy elements: Resource" › wildcards: `*` any run (crossing `/`), `?` one character.
const TABLE: [pattern: string, input: string, expected: boolean][] = [
  ['*', '', true],
  ['*', 'anything/at:all', true],
  ['abc', 'abc', true],
  ['abc', 'abcd', false],
  ['a*', 'a', true],
  ['a*', 'ba', false],
  ['*z', 'xyz', true],
  ['*z', 'zy', false],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['a?c', 'abbc', false],
  ['bucket/*/test/*', 'bucket//test/object.jpg', true],
  ['bucket/*/test/*', 'bucket/1/test/', true],
  ['bucket/*/test/*', 'bucket/1/tes/x', false],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'acb', false],
  ['a*a', 'a', false],
  ['a*a', 'aa', true],
  ['*ab*ab*', 'xabyab', true],
  ['*ab*ab*', 'xab', false],
  ['?*', '', false],
  ['?*', 'x', true],
  ['**', '', true],
  ['*?*?*', 'ab', true],
  ['*?*?*', 'a', false],
  ['x?y*z?', 'xAyQQzR', true],
  ['x?y*z?', 'xAyQQz', false],
];

describe('glob matching', () => {
  for (const [p, s, want] of TABLE) {
    it(`${JSON.stringify(p)} vs ${JSON.stringify(s)} → ${want}`, () => assert.equal(compileGlob(p)(s), want));
  }
  it('literal tokens never act as wildcards', () => {
    const m = compileTokens(['a*', STAR, 'b?']);
    assert.equal(m('a*XXb?'), true);
    assert.equal(m('aXb?'), false);
    assert.equal(m('a*b!'), false);
    assert.equal(compileTokens(['x', ANY_CHAR])('xy'), true);
  });
  it('agrees with a reference regular expression on random inputs', () => {
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = 'ab/*?';
    for (let i = 0; i < 3000; i++) {
      const p = Array.from({ length: rnd(7) }, () => alphabet[rnd(5)]).join('');
      const s = Array.from({ length: rnd(8) }, () => 'ab/'[rnd(3)]).join('');
      const re = new RegExp(`^${p.replace(/[/]/g, '\\/').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      assert.equal(compileGlob(p)(s), re.test(s), `${p} vs ${s}`);
    }
  });
});
