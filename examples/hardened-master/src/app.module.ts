import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import helmet from 'helmet';
import { MasterKmeModule } from '@app/kme';
import { ExampleInfoController } from './example-info.controller';
import { SaeThrottlerGuard } from './sae-throttler.guard';

/** Requests per SAE per minute: this application's own setting (SAE_RATE_LIMIT, default 600). */
function saeRateLimit(): number {
  const limit = Number(process.env.SAE_RATE_LIMIT ?? '600');
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error('SAE_RATE_LIMIT must be a positive integer (requests per SAE per minute)');
  }
  return limit;
}

@Module({
  imports: [
    MasterKmeModule.forRoot({}),
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: saeRateLimit() }]),
  ],
  controllers: [ExampleInfoController],
  providers: [{ provide: APP_GUARD, useClass: SaeThrottlerGuard }],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Nest applies middleware to its own routes: the ETSI API, health and this app's controller.
    consumer.apply(helmet()).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
