import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
// Every module of the KME that declares DTOs, so that their constraints are registered.
import '@app/config';
import '@app/dashboard';
import '@app/etsi-api';
import '@app/internal-client';
import '@app/kme';

/** class-validator keeps the constraints by their class; its storage does not list them. */
function registeredConstraints(): ConstraintMetadata[] {
  const storage = getMetadataStorage() as unknown as {
    constraintMetadatas: Map<unknown, ConstraintMetadata[]>;
  };
  return [...storage.constraintMetadatas.values()].flat();
}

describe('validation constraints of the KME', () => {
  it('are all synchronous: the ETSI pipe validates with validateSync, which skips async ones', () => {
    const constraints = registeredConstraints();
    // The storage is the one the DTOs registered in: IsUUID, IsInt and the others are there.
    expect(constraints.length).toBeGreaterThan(10);
    expect(constraints.filter((constraint) => constraint.async).map((c) => c.name)).toEqual([]);
  });
});
