import { Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidRequestError, readJsonBody } from '@app/etsi-api';
import { checkAllocationRequest, type AllocationRequestDto } from '@app/internal-client';

/**
 * Reads an allocation call's body and checks it against ALLOCATION_REQUEST_SCHEMA; every problem
 * is a 400 naming the member (`requests/0/size must be >= 8`). The app-wide validation pipe lets
 * the body through untouched: its DTO carries no class-validator rules.
 */
@Injectable()
export class AllocationRequestPipe implements PipeTransform<unknown, AllocationRequestDto> {
  transform(raw: unknown): AllocationRequestDto {
    const body = readJsonBody(raw);
    const checked = checkAllocationRequest(body.value);
    // readJsonBody removed any __proto__ member; in this strict contract it is one too many.
    const problems = [
      ...body.protoMembers.map((path) => ({ path, reason: 'is not a member of this call' })),
      ...('invalid' in checked ? checked.invalid : []),
    ];
    if (problems.length === 0 && 'value' in checked) return checked.value;
    const details = problems.map(({ path, reason }) => ({ [path]: reason }));
    throw new InvalidRequestError(`${problems[0].path} ${problems[0].reason}`, details);
  }
}
