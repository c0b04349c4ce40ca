import { ValidateIf } from 'class-validator';

/** Optional, but not null: a member sent as null is refused like any other wrong value. */
export const IsPresentOrAbsent = (): PropertyDecorator =>
  ValidateIf((_: unknown, value: unknown) => value !== undefined);
