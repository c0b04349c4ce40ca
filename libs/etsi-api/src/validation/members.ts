import { getMetadataStorage } from 'class-validator';
import { memberPath } from './json-body';

/** A member of a JSON object that its DTO does not declare. */
export interface UnknownMember {
  /** Where it is, as ETSI Error details name fields: `key_IDs[0][master_SAE_ID]`. */
  readonly path: string;
  readonly name: string;
  /** The object it was found in, so that a tolerant reader can drop it. */
  readonly holder: Record<string, unknown>;
  /** The declared member it differs from only in case: surely meant, never ignored. */
  readonly meant?: string;
}

type DtoClass = abstract new (...args: never[]) => object;

const declared = new WeakMap<object, ReadonlySet<string>>();

/** Members a DTO class declares: the properties its validation decorators name. */
export function declaredMembersOf(type: DtoClass): ReadonlySet<string> {
  let members = declared.get(type);
  if (members === undefined) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
    members = new Set(metadata.map((entry) => entry.propertyName));
    declared.set(type, members);
  }
  return members;
}

/** The DTO class of a transformed object, or undefined for plain values (extensions). */
function dtoClassOf(value: unknown): DtoClass | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Not `value.constructor`: a body may carry an own member named "constructor".
  const type = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
  if (typeof type !== 'function' || type === Object) return undefined;
  return declaredMembersOf(type as DtoClass).size > 0 ? (type as DtoClass) : undefined;
}

/**
 * Every own member of a JSON body that its DTO does not declare, found by walking the body beside
 * its transformed DTO tree (which says what class each nested object is). Own members only, and
 * of the body itself: the transformer silently drops names such as `toString` or `constructor`
 * that the class inherits, and a prototype lookup would take them for declared ones.
 */
export function unknownMembersOf(plain: unknown, instance: unknown, path = ''): UnknownMember[] {
  const type = dtoClassOf(instance);
  if (type === undefined || typeof plain !== 'object' || plain === null) return [];
  const members = declaredMembersOf(type);
  const holder = instance as Record<string, unknown>;
  const source = plain as Record<string, unknown>;
  const found: UnknownMember[] = [];
  for (const name of Object.keys(source)) {
    const at = memberPath(path, name);
    if (!members.has(name)) {
      const meant = [...members].find((member) => member.toLowerCase() === name.toLowerCase());
      found.push({ path: at, name, holder, meant });
      continue;
    }
    const [given, read] = [source[name], holder[name]];
    if (Array.isArray(given) && Array.isArray(read)) {
      given.forEach((item: unknown, index) => {
        found.push(...unknownMembersOf(item, read[index], `${at}[${index}]`));
      });
    } else {
      found.push(...unknownMembersOf(given, read, at));
    }
  }
  return found;
}
