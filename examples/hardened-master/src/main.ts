import 'reflect-metadata';
import { runKme } from '@app/kme';
import { AppModule } from './app.module';

// A master KME inside an application of its own: security headers, a rate limit per SAE, and a
// controller of its own next to the ETSI API. Configured by the environment, as the stock one.
runKme(AppModule, 'master');
