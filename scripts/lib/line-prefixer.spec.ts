import { PassThrough } from 'node:stream';
import { forEachLine, LineSplitter, makePrefix, prefixLines } from './line-prefixer';

describe('LineSplitter', () => {
  it('holds a partial line until its newline arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('one\ntw')).toEqual(['one']);
    expect(splitter.push('o\nthree')).toEqual(['two']);
    expect(splitter.flush()).toEqual(['three']);
    expect(splitter.flush()).toEqual([]);
  });

  it('keeps empty lines and drops the \\r of \\r\\n', () => {
    expect(new LineSplitter().push('a\r\n\r\nb\n')).toEqual(['a', '', 'b']);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('café\n');
    expect(splitter.push(bytes.subarray(0, 4))).toEqual([]);
    expect(splitter.push(bytes.subarray(4))).toEqual(['café']);
  });
});

describe('prefixes', () => {
  it('are plain without color', () => {
    expect(makePrefix('kme-1', 'cyan', false)).toBe('[kme-1] ');
    expect(prefixLines('[kme-1] ', ['a', 'b'])).toBe('[kme-1] a\n[kme-1] b\n');
  });

  it('are wrapped in ANSI color codes for a terminal', () => {
    expect(makePrefix('kme-2', 'magenta', true)).toBe('\u001b[35m[kme-2] \u001b[0m');
  });
});

describe('forEachLine', () => {
  it('reports every line, the unterminated last one at the end', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    forEachLine(stream, (line) => lines.push(line));
    stream.write('x\ny');
    stream.end('z');
    await new Promise((done) => stream.once('end', done));
    expect(lines).toEqual(['x', 'yz']);
  });
});
