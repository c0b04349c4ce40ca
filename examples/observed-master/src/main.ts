import 'reflect-metadata';
import { runKme } from '@app/kme';
import { AppModule } from './app.module';

// A master KME with an SAE naming scheme and a delivery audit of its own.
runKme(AppModule, 'master');
