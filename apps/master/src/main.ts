import 'reflect-metadata';
import { runKme } from '@app/kme-server';
import { MASTER_KME_DOCS } from './master-docs';
import { MasterAppModule } from './master-app.module';

runKme('master', (settings, tls) => MasterAppModule.forRoot(settings, tls), MASTER_KME_DOCS);
