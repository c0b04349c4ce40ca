import { queryKeyOf, ValidatedQueries } from './validated-queries';

class Wanted {
  number?: number;
}

describe('ValidatedQueries', () => {
  it('finds what it was told, as a copy with the same prototype', () => {
    const queries = new ValidatedQueries();
    const dto = Object.assign(new Wanted(), { number: 3 });
    queries.remember(Wanted, queryKeyOf({ number: '3' }), dto);
    dto.number = 4;
    const found = queries.find(Wanted, queryKeyOf({ number: '3' }));
    expect(found).toBeInstanceOf(Wanted);
    expect(found).toEqual({ number: 3 });
    expect(queries.find(Wanted, queryKeyOf({ number: '4' }))).toBeUndefined();
  });

  it('forgets the least recently used query first once full', () => {
    const queries = new ValidatedQueries(2);
    const remember = (n: string) =>
      queries.remember(Wanted, queryKeyOf({ number: n }), Object.assign(new Wanted(), { n }));
    remember('1');
    remember('2');
    expect(queries.find(Wanted, queryKeyOf({ number: '1' }))).toBeDefined();
    remember('3');
    expect(queries.find(Wanted, queryKeyOf({ number: '2' }))).toBeUndefined();
    expect(queries.find(Wanted, queryKeyOf({ number: '1' }))).toBeDefined();
    expect(queries.find(Wanted, queryKeyOf({ number: '3' }))).toBeDefined();
  });

  it('gives up on a class whose queries rarely repeat, and not on one whose queries do', () => {
    class OneOff {
      key_ID?: string;
    }
    const queries = new ValidatedQueries(256, 16);
    const lookUp = (id: string) => {
      const key = queryKeyOf({ key_ID: id });
      if (queries.find(OneOff, key) === undefined) {
        queries.remember(OneOff, key, Object.assign(new OneOff(), { key_ID: id }));
      }
    };
    // 16 new key IDs and one retry: a hit, but one in 17 lookups.
    for (let i = 0; i < 15; i++) {
      lookUp(`id-${i}`);
      expect(queries.worthLookingUp(OneOff)).toBe(true);
    }
    lookUp('id-0');
    lookUp('id-15');
    expect(queries.worthLookingUp(OneOff)).toBe(false);

    // An SAE repeating its query: hits outnumber the misses of the others.
    const repeated = queryKeyOf({ number: '1' });
    queries.remember(Wanted, repeated, Object.assign(new Wanted(), { number: 1 }));
    for (let n = 0; n < 32; n++) {
      expect(queries.find(Wanted, repeated)).toEqual({ number: 1 });
      queries.find(Wanted, queryKeyOf({ number: `other-${n}` }));
    }
    expect(queries.worthLookingUp(Wanted)).toBe(true);
  });
});
