import 'reflect-metadata';
import { ETSI_API_TAG, personalizeEtsiDocument } from '@app/etsi-api';
import { runKme } from '@app/kme-server';
import { SlaveAppModule } from './slave-app.module';

runKme('slave', (settings, tls) => SlaveAppModule.forRoot(settings, tls), {
  title: 'QKD slave KME',
  tags: [
    { name: ETSI_API_TAG, description: 'ETSI GS QKD 014 V1.1.1: the key delivery API for SAEs' },
  ],
  personalize: personalizeEtsiDocument,
});
