import 'reflect-metadata';
import { SlaveKmeModule, runKme } from '@app/kme';

// The slave KME, configured by its environment.
runKme(SlaveKmeModule.forRoot({}), 'slave');
