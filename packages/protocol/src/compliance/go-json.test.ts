import { describe, expect, it } from 'vitest';
import { goJsonString, goJsonStringMap } from './go-json.js';

describe('goJsonString (Go encoding/json)', () => {
  it('matches JSON.stringify for ordinary text, quotes and backslashes', () => {
    for (const s of ['', 'hello world', 'say "hi"', 'C:\\path', 'naïve ☃ 😀', 'tab\tnl\ncr\r', '\u007f']) {
      expect(goJsonString(s)).toBe(JSON.stringify(s));
    }
  });

  it('escapes HTML characters like Go', () => {
    expect(goJsonString('<a href="x">Tom & Jerry</a>')).toBe(
      '"\\u003ca href=\\"x\\"\\u003eTom \\u0026 Jerry\\u003c/a\\u003e"',
    );
  });

  it('escapes U+2028 and U+2029', () => {
    expect(goJsonString('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
  });

  it('writes other control characters as lower-case \\u00XX, including \\b and \\f (Go < 1.22)', () => {
    expect(goJsonString('\u0000\u0008\u000c\u001b\u001f')).toBe('"\\u0000\\u0008\\u000c\\u001b\\u001f"');
  });

  it('replaces lone surrogates by \\ufffd as Go does for invalid UTF-8', () => {
    expect(goJsonString('a\uD800b')).toBe('"a\\ufffdb"');
    expect(goJsonString('\uDC00')).toBe('"\\ufffd"');
    expect(goJsonString('\uFFFD')).toBe('"\uFFFD"');
  });
});

describe('goJsonStringMap', () => {
  it('writes null for a nil map and {} for an empty one', () => {
    expect(goJsonStringMap(null)).toBe('null');
    expect(goJsonStringMap(undefined)).toBe('null');
    expect(goJsonStringMap({})).toBe('{}');
  });

  it('sorts keys by UTF-8 bytes and escapes keys too', () => {
    expect(goJsonStringMap({ b: '2', a: '1', B: '0', é: 'x', 'z<': 'y' })).toBe(
      '{"B":"0","a":"1","b":"2","z\\u003c":"y","é":"x"}',
    );
  });
});
