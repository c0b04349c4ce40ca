import { CapturedOutput } from '../../test/captured-output';
import { LiveScreen } from './live-screen';

describe('LiveScreen', () => {
  it('on a terminal, moves back over the previous frame and clears, cutting long lines', () => {
    const out = new CapturedOutput(true, 11);
    const screen = new LiveScreen(out);

    screen.draw(['one', 'two', 'three']);
    const first = out.text;
    screen.draw(['a line longer than the terminal']);
    const second = out.text.slice(first.length);
    screen.end();

    expect(first).toBe('\u001b[?25lone\u001b[K\ntwo\u001b[K\nthree\u001b[K\n\u001b[J');
    expect(second).toBe('\r\u001b[3Aa line lon\u001b[K\n\u001b[J');
    expect(out.text.endsWith('\u001b[?25h')).toBe(true);
  });

  it('elsewhere, writes frames one after the other as plain lines', () => {
    const out = new CapturedOutput(false);
    const screen = new LiveScreen(out);

    screen.draw(['one', 'two']);
    screen.draw(['three']);
    screen.end();

    expect(out.text).toBe('one\ntwo\n\nthree\n\n');
  });
});
