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
});
