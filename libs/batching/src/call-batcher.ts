/** Sends one batch of items and settles with one result per item, in the same order. */
export type BatchSender<Item, Result> = (items: Item[]) => Promise<readonly Result[]>;

export interface CallBatcherOptions {
  /**
   * Batches sent and not yet settled. While that many are out, new items wait and leave together
   * as soon as one settles: under load the batches grow instead of the number of calls.
   */
  readonly maxInFlight: number;
  /** Most items in one batch; the rest wait for the next. */
  readonly maxBatchSize: number;
}

interface Waiting<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Joins calls made at about the same time into one batch call: items added in the same turn of
 * the event loop always travel together, and more of them do when the peer is slow to answer.
 * A failed batch rejects each of its items with the batch's error.
 */
export class CallBatcher<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly send: BatchSender<Item, Result>,
    private readonly options: CallBatcherOptions,
  ) {
    if (!(options.maxInFlight >= 1) || !(options.maxBatchSize >= 1)) {
      throw new RangeError('maxInFlight and maxBatchSize must be at least 1');
    }
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items not yet sent. */
  get backlog(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    if (this.waiting.length === 0) return;
    this.scheduled = true;
    // Not a microtask: the rest of this turn's I/O callbacks get to add their items first.
    setImmediate(() => {
      this.scheduled = false;
      this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.options.maxBatchSize);
    this.inFlight += 1;
    const items = batch.map((entry) => entry.item);
    // An async wrapper turns a sender that throws into a rejected batch.
    const sent = (async () => this.send(items))();
    sent
      .then(
        (results) => {
          if (results.length !== batch.length) {
            throw new Error(`a batch of ${batch.length} settled with ${results.length} results`);
          }
          batch.forEach((entry, index) => entry.resolve(results[index]));
        },
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .catch((error: unknown) => batch.forEach((entry) => entry.reject(error)))
      .finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    // More waiting than one batch takes, and room for another call: do not wait for a settle.
    this.schedule();
  }
}
