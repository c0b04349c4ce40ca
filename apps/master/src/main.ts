import 'reflect-metadata';
import { MasterKmeModule, runKme } from '@app/kme';

// The master KME, configured by its environment.
runKme(MasterKmeModule.forRoot({}), 'master');
