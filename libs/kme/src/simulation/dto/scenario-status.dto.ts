import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'SimulatedScenarioStep' })
export class ScenarioStepStatusDto {
  @ApiProperty({ description: 'Seconds from the master KME start', example: 30 })
  at_s!: number;

  @ApiProperty({
    description: 'How long a link change lasts',
    example: 20,
    type: Number,
    nullable: true,
  })
  for_s!: number | null;

  @ApiProperty({ example: 'link eavesdropper=true' })
  action!: string;

  @ApiProperty({ example: '2026-01-01T12:00:30.000Z', type: String, nullable: true })
  applied_at!: string | null;

  @ApiProperty({ example: null, type: String, nullable: true })
  ended_at!: string | null;

  @ApiProperty({ example: null, type: String, nullable: true })
  error!: string | null;
}

/** GET /api/sim/v1/scenario: the scenario being played (SCENARIO_FILE), if any. */
@ApiSchema({ name: 'SimulatedScenario' })
export class ScenarioStatusDto {
  @ApiProperty({ example: 'scenarios/lab.yaml', type: String, nullable: true })
  file!: string | null;

  @ApiProperty({
    description: 'The start the steps count from',
    example: '2026-01-01T12:00:00.000Z',
    type: String,
    nullable: true,
  })
  started_at!: string | null;

  @ApiProperty({ type: [ScenarioStepStatusDto] })
  steps!: ScenarioStepStatusDto[];
}
