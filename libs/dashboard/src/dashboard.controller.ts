import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardData, DashboardKmeData } from '@app/etsi-client';
import { KmeTelemetry } from '@app/observability';
import { DashboardDataService } from './dashboard-data.service';
import {
  DASHBOARD_OPTIONS,
  DEFAULT_OPERATOR_CN,
  type DashboardModuleOptions,
} from './dashboard.options';
import { isOperator } from './operator';
import { DASHBOARD_CSP, dashboardPage } from './page/dashboard-page';
import { loadStaticAssets, type StaticAsset } from './page/static-assets';

/** The page's files change only with a new build of the KME. */
const ASSET_MAX_AGE_S = 300;

/**
 * The dashboard: the page, its files and its data. No guard: nothing here is secret (no key
 * material, no key IDs), so no client certificate is needed; the operator's, when the browser
 * presents one, only makes the data say so. Left out of the API documentation, which is the SAEs'.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  private readonly page: Buffer;
  private readonly assets: ReadonlyMap<string, StaticAsset>;
  private readonly operatorCn: string;

  constructor(
    @Inject(DASHBOARD_OPTIONS) options: DashboardModuleOptions,
    telemetry: KmeTelemetry,
    private readonly data: DashboardDataService,
  ) {
    this.operatorCn = options.operatorCn ?? DEFAULT_OPERATOR_CN;
    this.page = Buffer.from(
      dashboardPage({
        kmeId: telemetry.kmeId,
        role: telemetry.role,
        peerKmeId: options.peer?.kmeId ?? 'peer KME',
      }),
    );
    this.assets = loadStaticAssets();
  }

  @Get()
  show(@Res() response: ServerResponse): void {
    send(response, 'text/html; charset=utf-8', this.page, {
      'Cache-Control': 'no-store',
      'Content-Security-Policy': DASHBOARD_CSP,
    });
  }

  /** `?scope=kme`: this KME alone, as its peer reads it; otherwise both KMEs. */
  @Get('data')
  figures(
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
    @Query('scope') scope: unknown,
  ): Promise<DashboardData | DashboardKmeData> {
    response.setHeader('Cache-Control', 'no-store');
    if (scope === undefined) return this.data.both(isOperator(request, this.operatorCn));
    if (scope === 'kme') return Promise.resolve(this.data.own());
    throw new BadRequestException('scope must be "kme", or absent for both KMEs');
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: ServerResponse): void {
    const asset = this.assets.get(name);
    if (asset === undefined) throw new NotFoundException(`no dashboard file ${name}`);
    send(response, asset.contentType, asset.body, {
      'Cache-Control': `public, max-age=${ASSET_MAX_AGE_S}`,
    });
  }
}

function send(
  response: ServerResponse,
  contentType: string,
  body: Buffer,
  headers: Record<string, string>,
): void {
  response.writeHead(200, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}
