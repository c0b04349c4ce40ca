import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, Max, Min, ValidateNested } from 'class-validator';
import { FaultSpecDto } from '../dto/fault-spec.dto';
import { LinkPatchDto } from '../dto/link-patch.dto';
import { IsPresentOrAbsent } from '../dto/present-or-absent';

/** Longest scenario: a week. */
const MAX_SECONDS = 7 * 24 * 3600;

/** One timed change: at `at` seconds from the start, a change of the link, a fault or a drain. */
export class ScenarioStepDto {
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'at must be a number of seconds' },
  )
  @Min(0, { message: 'at must be 0 or more seconds from the start' })
  @Max(MAX_SECONDS, { message: `at must be at most ${MAX_SECONDS} seconds` })
  at!: number;

  @IsPresentOrAbsent()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'for must be a number of seconds' },
  )
  @Min(0.001, { message: 'for must be above 0 seconds' })
  @Max(MAX_SECONDS, { message: `for must be at most ${MAX_SECONDS} seconds` })
  for?: number;

  @IsPresentOrAbsent()
  @ValidateNested()
  @Type(() => LinkPatchDto)
  link?: LinkPatchDto;

  @IsPresentOrAbsent()
  @ValidateNested()
  @Type(() => FaultSpecDto)
  fault?: FaultSpecDto;

  @IsPresentOrAbsent()
  @IsIn([true], { message: 'drain must be true' })
  drain?: true;
}

/** A scenario file: `{ "steps": [...] }`. */
export class ScenarioDto {
  @IsArray({ message: 'steps must be a list of steps' })
  @ArrayMaxSize(10_000, { message: 'steps must hold at most 10000 steps' })
  @ValidateNested({ each: true })
  @Type(() => ScenarioStepDto)
  steps!: ScenarioStepDto[];
}
