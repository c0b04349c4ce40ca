import { rangesInEpoch, spansOf, splitKeys } from './material';

describe('material ranges on the wire', () => {
  it('names spans in their epoch, and strips the epoch again, keeping order', () => {
    const spans = [
      { start: 64, end: 96 },
      { start: 0, end: 32 },
    ];
    const ranges = rangesInEpoch('epoch-1', spans);
    expect(ranges).toEqual([
      { epoch: 'epoch-1', start: 64, end: 96 },
      { epoch: 'epoch-1', start: 0, end: 32 },
    ]);
    expect(spansOf(ranges)).toEqual(spans);
  });
});

describe('splitKeys', () => {
  it('cuts consecutive keys of keyBytes each', () => {
    expect(splitKeys(Buffer.from([1, 2, 3, 4, 5, 6]), 2)).toEqual([
      Buffer.from([1, 2]),
      Buffer.from([3, 4]),
      Buffer.from([5, 6]),
    ]);
  });
});
