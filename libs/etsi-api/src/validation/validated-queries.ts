/** Distinct query strings remembered; an SAE sends the same few over and over. */
const DEFAULT_CAPACITY = 256;

/**
 * Query strings already validated, with the DTO each became. Validation is a pure function of
 * the DTO class and the query's members, and an SAE repeats its `enc_keys?number=…&size=…`
 * on every call: looking the answer up costs a fraction of running class-transformer and
 * class-validator again (8% of a KME's CPU under a GET enc_keys load, measured). Only queries
 * that passed are kept, and each caller gets its own (shallow: query DTOs are flat) copy.
 */
export class ValidatedQueries {
  /** Per DTO class, by the query's members in the order sent (`a=1&b=2` is not `b=2&a=1`). */
  private readonly known = new Map<DtoClass, Map<string, object>>();

  constructor(private readonly capacityPerClass = DEFAULT_CAPACITY) {}

  /** The DTO the query of `key` (see queryKeyOf) became when it last passed as a `type`. */
  find(type: DtoClass, key: string): object | undefined {
    const known = this.known.get(type);
    const dto = known?.get(key);
    if (known === undefined || dto === undefined) return undefined;
    // Refreshed, so that the queries an SAE repeats outlive one-off ones of the same class.
    known.delete(key);
    known.set(key, dto);
    return copyOf(dto);
  }

  remember(type: DtoClass, key: string, dto: object): void {
    let known = this.known.get(type);
    if (known === undefined) this.known.set(type, (known = new Map<string, object>()));
    known.delete(key);
    if (known.size >= this.capacityPerClass) {
      const oldest = known.keys().next();
      if (oldest.done !== true) known.delete(oldest.value);
    }
    known.set(key, copyOf(dto));
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
