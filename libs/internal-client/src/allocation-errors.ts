import { InvalidRequestError, KeyServiceUnavailableError } from '@app/etsi-api';
import { InsufficientKeyMaterialError, UnavailableError } from '@app/key-pool';
import type { AllocationErrorDto } from './internal-api.contract';

/**
 * A refusal of one allocation as it crosses the link: the domain error the master KME threw,
 * rebuilt at the slave KME so that its SAE gets the very answer an SAE of the master KME would.
 * Returns undefined for anything else, which is a fault of the master KME, not of the request.
 */
export function toAllocationError(error: unknown): AllocationErrorDto | undefined {
  if (error instanceof InvalidRequestError) {
    return { kind: 'invalid_request', message: error.message, details: [...error.details] };
  }
  if (error instanceof InsufficientKeyMaterialError) {
    return {
      kind: 'insufficient_material',
      message: error.message,
      bytes: [error.requestedBytes, error.availableBytes],
    };
  }
  if (error instanceof UnavailableError) return { kind: 'unavailable', message: error.message };
  return undefined;
}

export function fromAllocationError(wire: AllocationErrorDto): Error {
  switch (wire.kind) {
    case 'invalid_request':
      return new InvalidRequestError(wire.message, wire.details ?? []);
    case 'insufficient_material': {
      const [requested, available] = wire.bytes ?? [0, 0];
      return new InsufficientKeyMaterialError(requested, available);
    }
    case 'unavailable':
      return new KeyServiceUnavailableError(`the master KME cannot allocate: ${wire.message}`);
  }
}
