/** Distinct query strings remembered; an SAE sends the same few over and over. */
const DEFAULT_CAPACITY = 256;
/**
 * Misses of a DTO class's lookups after which it is no longer remembered unless at least one in
 * MIN_HITS_PER_MISSES lookups found something: a GET dec_keys names a key once (a retry at most),
 * so remembering its queries would only cost a serialisation and a copy per request.
 */
const DEFAULT_GIVE_UP_AFTER_MISSES = 1024;
const MIN_HITS_PER_MISSES = 8;

/** What is remembered of one DTO class. */
interface ClassMemo {
  /** By the query's members in the order sent (`a=1&b=2` is not `b=2&a=1`). */
  readonly answers: Map<string, object>;
  hits: number;
  misses: number;
}

/**
 * Query strings already validated, with the DTO each became. Validation is a pure function of
 * the DTO class and the query's members, and an SAE repeats its `enc_keys?number=…&size=…`
 * on every call: looking the answer up costs a fraction of running class-transformer and
 * class-validator again (8% of a KME's CPU under a GET enc_keys load, measured). Only queries
 * that passed are kept, and each caller gets its own (shallow: query DTOs are flat) copy. A class
 * whose queries never repeat is given up on.
 */
export class ValidatedQueries {
  private readonly memos = new Map<DtoClass, ClassMemo>();

  constructor(
    private readonly capacityPerClass = DEFAULT_CAPACITY,
    private readonly giveUpAfterMisses = DEFAULT_GIVE_UP_AFTER_MISSES,
  ) {}

  /** False once `type`'s lookups have missed that often and rarely hit: look nothing up. */
  worthLookingUp(type: DtoClass): boolean {
    const memo = this.memos.get(type);
    return (
      memo === undefined ||
      memo.misses < this.giveUpAfterMisses ||
      memo.hits * MIN_HITS_PER_MISSES >= memo.misses
    );
  }

  /** The DTO the query of `key` (see queryKeyOf) became when it last passed as a `type`. */
  find(type: DtoClass, key: string): object | undefined {
    const memo = this.memoOf(type);
    const dto = memo.answers.get(key);
    if (dto === undefined) {
      memo.misses++;
      return undefined;
    }
    memo.hits++;
    // Refreshed, so that the queries an SAE repeats outlive one-off ones of the same class.
    memo.answers.delete(key);
    memo.answers.set(key, dto);
    return copyOf(dto);
  }

  remember(type: DtoClass, key: string, dto: object): void {
    const { answers } = this.memoOf(type);
    answers.delete(key);
    if (answers.size >= this.capacityPerClass) {
      const oldest = answers.keys().next();
      if (oldest.done !== true) answers.delete(oldest.value);
    }
    answers.set(key, copyOf(dto));
  }

  private memoOf(type: DtoClass): ClassMemo {
    let memo = this.memos.get(type);
    if (memo === undefined) {
      memo = { answers: new Map<string, object>(), hits: 0, misses: 0 };
      this.memos.set(type, memo);
    }
    return memo;
  }
}

type DtoClass = abstract new () => object;

/** The query's members and values as sent, in their order: what the DTO is a function of. */
export function queryKeyOf(query: object): string {
  return JSON.stringify(query);
}

function copyOf(dto: object): object {
  return Object.assign(Object.create(Object.getPrototypeOf(dto) as object | null) as object, dto);
}
