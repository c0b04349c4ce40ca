import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CallerSae } from './auth/caller-sae.decorator';
import { SaeAuthGuard } from './auth/sae-auth.guard';
import { ErrorDto } from './dto/error.dto';
import { KeyContainerDto } from './dto/key-container.dto';
import { KeyIdsDto } from './dto/key-ids.dto';
import { KeyRequestDto } from './dto/key-request.dto';
import { DecKeysQueryDto, EncKeysQueryDto } from './dto/query.dto';
import { StatusDto } from './dto/status.dto';
import { MUTUAL_TLS_SCHEME } from '@app/kme-server';
import { RequestId } from '@app/observability';
import { EtsiKeyService } from './etsi-key.service';
import { NoQueryParametersPipe } from './validation/etsi-validation.pipe';

/** The OpenAPI tag of the ETSI routes: the first section of a KME's documentation. */
export const ETSI_API_TAG = 'etsi-gs-qkd-014';

const EtsiResponses = (ok: typeof StatusDto | typeof KeyContainerDto) =>
  applyDecorators(
    ApiOkResponse({ description: 'Successful response', type: ok }),
    ApiBadRequestResponse({
      description: 'Bad request format',
      type: ErrorDto,
      example: {
        message: 'size shall be a multiple of 8',
        details: [{ size: 'shall be a multiple of 8' }],
      },
    }),
    ApiUnauthorizedResponse({
      description: 'Unauthorized',
      type: ErrorDto,
      example: { message: 'certificate CN=sae-9 is not an SAE attached to this KME' },
    }),
    ApiServiceUnavailableResponse({
      description:
        'Error on server side (no key material, peer KME or broker unreachable); Retry-After says when to try again',
      type: ErrorDto,
      example: { message: 'not enough key material: 256 bits requested, 0 bits available' },
    }),
  );

const SlaveSaeParam = ApiParam({
  name: 'slave_SAE_ID',
  description: 'URL-encoded SAE ID of the slave SAE',
  example: 'sae-2',
});
const MasterSaeParam = ApiParam({
  name: 'master_SAE_ID',
  description: 'URL-encoded SAE ID of the master SAE',
  example: 'sae-1',
});

/** ETSI GS QKD 014 V1.1.1 §5: the three methods, for the SAEs attached to this KME. */
@ApiTags(ETSI_API_TAG)
@ApiSecurity(MUTUAL_TLS_SCHEME)
@UseGuards(SaeAuthGuard)
@Controller('api/v1/keys')
export class EtsiKeysController {
  constructor(private readonly keys: EtsiKeyService) {}

  @Get(':slave_SAE_ID/status')
  @ApiOperation({
    summary: 'Get status',
    description: 'Returns Status from a KME to the calling SAE.',
  })
  @SlaveSaeParam
  @EtsiResponses(StatusDto)
  status(
    @CallerSae() caller: string,
    @Param('slave_SAE_ID') slaveSaeId: string,
    @Query(NoQueryParametersPipe) _query: unknown,
  ): StatusDto {
    return this.keys.status(caller, slaveSaeId);
  }

  @Get(':slave_SAE_ID/enc_keys')
  @ApiOperation({
    summary: 'Get key (simple form)',
    description:
      'Returns Key container data from the KME to the calling master SAE. Only number and size may be given.',
  })
  @SlaveSaeParam
  @EtsiResponses(KeyContainerDto)
  getEncKeys(
    @CallerSae() caller: string,
    @Param('slave_SAE_ID') slaveSaeId: string,
    @Query() query: EncKeysQueryDto,
    @RequestId() requestId: string,
  ): Promise<KeyContainerDto> {
    return this.keys.encKeys(caller, slaveSaeId, query, requestId);
  }

  @Post(':slave_SAE_ID/enc_keys')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get key',
    description:
      'Returns Key container data from the KME to the calling master SAE. An empty body or {} asks for one key of the default size.',
  })
  @SlaveSaeParam
  @ApiBody({
    type: KeyRequestDto,
    required: false,
    examples: {
      'one key of the default size': { value: { number: 1 } },
      'two keys of 256 bits': { value: { number: 2, size: 256 } },
      "the standard's example (extensions this KME refuses)": {
        value: {
          number: 20,
          size: 512,
          extension_mandatory: [{ abc_route_type: 'direct' }, { abc_transfer_method: 'qkd' }],
          extension_optional: [{ abc_max_age: 30000 }],
        },
      },
    },
  })
  @EtsiResponses(KeyContainerDto)
  postEncKeys(
    @CallerSae() caller: string,
    @Param('slave_SAE_ID') slaveSaeId: string,
    @Query(NoQueryParametersPipe) _query: unknown,
    @Body() body: KeyRequestDto,
    @RequestId() requestId: string,
  ): Promise<KeyContainerDto> {
    return this.keys.encKeys(caller, slaveSaeId, body, requestId);
  }

  @Get(':master_SAE_ID/dec_keys')
  @ApiOperation({
    summary: 'Get key with key IDs (simple form)',
    description: 'Returns Key container from the KME to the calling slave SAE, for one key ID.',
  })
  @MasterSaeParam
  @EtsiResponses(KeyContainerDto)
  getDecKeys(
    @CallerSae() caller: string,
    @Param('master_SAE_ID') masterSaeId: string,
    @Query() query: DecKeysQueryDto,
    @RequestId() requestId: string,
  ): Promise<KeyContainerDto> {
    return this.keys.decKeys(caller, masterSaeId, [query.key_ID], requestId);
  }

  @Post(':master_SAE_ID/dec_keys')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get key with key IDs',
    description:
      'Returns Key container from the KME to the calling slave SAE, in the order of the key IDs.',
  })
  @MasterSaeParam
  @ApiBody({ type: KeyIdsDto })
  @EtsiResponses(KeyContainerDto)
  postDecKeys(
    @CallerSae() caller: string,
    @Param('master_SAE_ID') masterSaeId: string,
    @Query(NoQueryParametersPipe) _query: unknown,
    @Body() body: KeyIdsDto,
    @RequestId() requestId: string,
  ): Promise<KeyContainerDto> {
    return this.keys.decKeys(
      caller,
      masterSaeId,
      body.key_IDs.map((entry) => entry.key_ID),
      requestId,
    );
  }
}
