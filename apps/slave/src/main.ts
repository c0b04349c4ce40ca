import 'reflect-metadata';
import { runKme } from '@app/kme-server';
import { SlaveAppModule } from './slave-app.module';

runKme('slave', (settings, tls) => SlaveAppModule.forRoot(settings, tls), 'QKD slave KME');
