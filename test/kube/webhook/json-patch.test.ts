import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, JsonPatchError, pointerToken } from '../../../src/kube/webhook/json-patch.js';

/** RFC 6902 `add`, with the examples of its appendix A that use `add`. */
describe('JSON Patch add (RFC 6902)', () => {
  it('A.1 adds an object member', () => {
    assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
  });

  it('A.2 inserts into an array at an index', () => {
    assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
  });

  it('A.10 adds a nested member object; A.16 adds an array value', () => {
    assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]), { foo: 'bar', child: { grandchild: {} } });
    assert.deepEqual(applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]), { foo: ['bar', ['abc', 'def']] });
  });

  it('replaces an existing member, appends with - and at index length, decodes ~0 and ~1', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/a', value: 2 }]), { a: 2 });
    assert.deepEqual(applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }]), { a: [1, 2] });
    assert.deepEqual(applyJsonPatch({ m: {} }, [{ op: 'add', path: `/m/${pointerToken('eks.amazonaws.com/pod-identity')}`, value: 'enabled' }]), {
      m: { 'eks.amazonaws.com/pod-identity': 'enabled' },
    });
    assert.deepEqual(applyJsonPatch({ m: {} }, [{ op: 'add', path: '/m/a~0b', value: 1 }]), { m: { 'a~b': 1 } });
  });

  it('does not modify its input', () => {
    const doc = { a: [1] };
    applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 2 }]);
    assert.deepEqual(doc, { a: [1] });
  });

  it('A.12 a missing parent is an error; so is an index past the end', () => {
    assert.throws(() => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), JsonPatchError);
    assert.throws(() => applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/2', value: 0 }]), JsonPatchError);
    assert.throws(() => applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/01', value: 0 }]), JsonPatchError);
  });
});
