/** The last `capacity` values pushed, oldest first. */
export class Ring<T> {
  private readonly items: T[] = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a ring holds at least one item, not ${capacity}`);
    }
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.shift();
  }

  dropLast(): void {
    this.items.pop();
  }

  get last(): T | undefined {
    return this.items.at(-1);
  }

  toArray(): T[] {
    return [...this.items];
  }

  map<U>(project: (item: T) => U): U[] {
    return this.items.map(project);
  }
}
