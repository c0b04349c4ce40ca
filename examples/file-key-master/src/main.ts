import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { FileKeySource, MasterKmeModule, runKme } from '@app/kme';

// A master KME whose key material is pre-shared: the files of KEY_FILES_DIR, in name order, each
// byte once, instead of the simulated link. The KeySource is chosen in code, among the extras
// of forRoot (one argument: the options and the extras together). FileKeySource takes its
// directory from the settings of KEY_SOURCE=files, so that is set in code too; KEY_FILES_DIR and
// everything else come from the environment, as for the stock master KME.
@Module({
  imports: [MasterKmeModule.forRoot({ config: { KEY_SOURCE: 'files' }, keySource: FileKeySource })],
})
class AppModule {}

runKme(AppModule, 'master');
