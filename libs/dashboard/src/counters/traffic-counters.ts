import { Injectable } from '@nestjs/common';

/**
 * What the dashboard counts of the traffic, since the KME started: keys delivered to SAEs and the
 * requests that delivered them, and answers of 400 or more by status code. Plain totals; the
 * sampler turns them into rates.
 */
@Injectable()
export class TrafficCounters {
  private keys = 0;
  private deliveries = 0;
  private errors = 0;
  private readonly byStatus = new Map<number, number>();

  delivered(keyCount: number): void {
    this.keys += keyCount;
    this.deliveries += 1;
  }

  answered(status: number): void {
    if (status < 400) return;
    this.errors += 1;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  get keysTotal(): number {
    return this.keys;
  }

  get deliveriesTotal(): number {
    return this.deliveries;
  }

  get errorsTotal(): number {
    return this.errors;
  }

  /** Totals by status code, lowest code first. */
  errorsByStatus(): Record<string, number> {
    const codes = [...this.byStatus.keys()].sort((a, b) => a - b);
    return Object.fromEntries(codes.map((code) => [String(code), this.byStatus.get(code) ?? 0]));
  }
}
