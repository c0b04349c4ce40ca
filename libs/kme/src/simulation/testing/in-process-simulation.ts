import type { AddressInfo } from 'node:net';
import { Module, type DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request, { type Test as SupertestTest } from 'supertest';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  EtsiApiModule,
  KeyDelivery,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from '@app/etsi-api';
import type { DeliveredKey } from '@app/key-pool';
import {
  applyKmePlatform,
  createKmeHttpAdapter,
  kmeApplicationOptions,
  type TlsMaterial,
} from '@app/kme-server';
import { ensureDevPki } from '../../../../../scripts/lib/pki';
import { etsiApiOptionsOf } from '../../module-options';
import { SimulationController } from '../api/simulation.controller';
import { OperatorGuard } from '../auth/operator.guard';
import { FaultBook } from '../faults/fault-book.service';
import { MasterRequestRefusals } from '../faults/master-request-refusals';
import { RefuseRequestsGate } from '../faults/refuse-requests.gate';
import { RequestRefusals } from '../faults/request-refusals';
import { LinkSimulation } from '../link/link-simulation.service';
import { PoolDrain, type DrainResult } from '../pool/pool-drain.service';
import { ScenarioPlayer } from '../scenario/scenario-player.service';

/**
 * The master KME's simulation API in-process (CONVENTIONS habit 12): its controller, guard,
 * interceptor and services, real, beside the real ETSI API module, on production's Express stack
 * and HTTPS options; the key delivery and the pool drain faked. Clients present certificates of
 * a throwaway development PKI.
 */

/** Keys handed out by the fake, counting every call that would take material. */
export class CountingDelivery extends KeyDelivery {
  allocations = 0;
  retrievals = 0;

  availableBytes(): number {
    return 1 << 20;
  }

  allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]> {
    this.allocations += 1;
    return Promise.resolve(
      Array.from({ length: request.number }, (_, i) => ({
        keyId: `00000000-0000-4000-8000-${String(this.allocations * 1000 + i).padStart(12, '0')}`,
        key: Buffer.alloc(request.sizeBits / 8, i),
      })),
    );
  }

  retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    this.retrievals += 1;
    return Promise.resolve(request.keyIds.map((keyId) => ({ keyId, key: Buffer.alloc(16) })));
  }
}

/** The drain as the API sees it; what reaches the stores is PoolDrain's own spec. */
export class RecordingDrain {
  readonly calls: string[] = [];
  drain(who: string): Promise<DrainResult> {
    this.calls.push(who);
    return Promise.resolve({
      discarded_bits: 2048,
      valid_from_offset: 4096,
      slave_kme_reset: true,
    });
  }
}

@Module({})
class FakesModule {
  static with(delivery: CountingDelivery): DynamicModule {
    return {
      module: FakesModule,
      providers: [{ provide: CountingDelivery, useValue: delivery }],
      exports: [CountingDelivery],
    };
  }
}

/** The fault book and the refusals it makes, shared by the simulation API and the ETSI API. */
@Module({})
class FaultsModule {
  static with(settings: KmeSettings): DynamicModule {
    return {
      module: FaultsModule,
      providers: [
        { provide: KME_SETTINGS, useValue: settings },
        FaultBook,
        { provide: RequestRefusals, useClass: MasterRequestRefusals },
        RefuseRequestsGate,
      ],
      exports: [FaultBook, RefuseRequestsGate],
    };
  }
}

export class InProcessSimulation {
  private constructor(
    readonly app: NestExpressApplication,
    readonly delivery: CountingDelivery,
    readonly drain: RecordingDrain,
    readonly link: LinkSimulation,
    readonly faults: FaultBook,
    private readonly dir: string,
    private readonly ca: Buffer,
  ) {}

  static async start(settings: KmeSettings): Promise<InProcessSimulation> {
    const dir = mkdtempSync(join(tmpdir(), 'simulation-in-process-'));
    ensureDevPki({ dir, names: ['kme-1', 'kme-2', 'sae-1', 'sae-2', 'operator'] });
    const file = (name: string): Buffer => readFileSync(join(dir, name));
    const tls: TlsMaterial = {
      ca: file('ca.crt'),
      cert: file('kme-1.crt'),
      key: file('kme-1.key'),
    };
    const delivery = new CountingDelivery();
    const drain = new RecordingDrain();
    const faults = FaultsModule.with(settings);
    const moduleRef = await Test.createTestingModule({
      imports: [
        EtsiApiModule.forRoot({
          options: etsiApiOptionsOf(settings, tls),
          keyDelivery: CountingDelivery,
          keyRequestGate: RefuseRequestsGate,
          imports: [FakesModule.with(delivery), faults],
        }),
        faults,
      ],
      controllers: [SimulationController],
      providers: [
        { provide: KME_SETTINGS, useValue: settings },
        LinkSimulation,
        ScenarioPlayer,
        OperatorGuard,
        { provide: PoolDrain, useValue: drain },
      ],
    }).compile();
    const adapter = createKmeHttpAdapter();
    const app = moduleRef.createNestApplication<NestExpressApplication>(
      adapter,
      kmeApplicationOptions(tls, adapter),
    );
    app.useLogger(false);
    applyKmePlatform(app);
    await app.init();
    await app.listen(0, '127.0.0.1');
    return new InProcessSimulation(
      app,
      delivery,
      drain,
      app.get(LinkSimulation),
      app.get(FaultBook),
      dir,
      tls.ca,
    );
  }

  /** host:port as a client's Host header names this KME. */
  get host(): string {
    const address = this.app.getHttpServer().address() as AddressInfo;
    return `127.0.0.1:${address.port}`;
  }

  /** supertest as `name` of the PKI (an SAE, a KME, the operator), or without a certificate. */
  as(
    name: string | undefined,
  ): (method: 'get' | 'patch' | 'post' | 'delete' | 'head', path: string) => SupertestTest {
    const identity =
      name === undefined
        ? undefined
        : {
            cert: readFileSync(join(this.dir, `${name}.crt`)),
            key: readFileSync(join(this.dir, `${name}.key`)),
          };
    return (method, path) => {
      const test = request(this.app.getHttpServer())[method](path).ca(this.ca);
      return identity === undefined ? test : test.cert(identity.cert).key(identity.key);
    };
  }

  async close(): Promise<void> {
    await this.app.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
