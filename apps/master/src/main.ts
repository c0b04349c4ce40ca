import 'reflect-metadata';
import { runKme } from '@app/kme-server';
import { MasterAppModule } from './master-app.module';

runKme('master', (settings, tls) => MasterAppModule.forRoot(settings, tls), 'QKD master KME');
