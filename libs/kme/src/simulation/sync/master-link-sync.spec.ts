import { Logger } from '@nestjs/common';
import type { LinkSyncRequestDto } from '@app/internal-client';
import { FaultBook } from '../faults/fault-book.service';
import { LinkSimulation } from '../link/link-simulation.service';
import { settingsOf } from '../testing/settings';
import { MasterLinkSync } from './master-link-sync';
import { SlaveSimulationState } from './slave-simulation-state';

describe('the simulation in the heartbeat', () => {
  let link: LinkSimulation;
  let book: FaultBook;
  let master: MasterLinkSync;
  let slave: SlaveSimulationState;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const settings = settingsOf({ LINK_PRESET: 'metro' });
    link = new LinkSimulation(settings);
    book = new FaultBook(settings);
    master = new MasterLinkSync(link, book);
    slave = new SlaveSimulationState('kme-2');
  });

  afterEach(() => jest.restoreAllMocks());

  /** One heartbeat: the slave KME's hello with its report, the master KME's answer applied. */
  const beat = (): void => {
    const hello: LinkSyncRequestDto = {
      slaveStoreId: 'store-2',
      consuming: true,
      receivedEnd: 0,
      simulation: slave.report(),
    };
    slave.answered(master.answer(hello));
  };

  it('carries the link to the slave KME as the master KME runs it', () => {
    beat();
    expect(slave.linkState()).toEqual(link.linkState());
    link.change({ quantum_channel: 'down' }, 'test');
    beat();
    expect(slave.linkState()).toEqual(link.linkState());
  });

  it('carries refuse_requests at the slave KME there, and brings back what it refused', async () => {
    const added = book.add({ kind: 'refuse_requests', count: 2, kme_id: 'kme-2' }, 'test');
    const applied = book.untilSlaveApplied(book.versionForSlave, 1_000);
    beat();
    // The next hello says the slave KME applied it.
    beat();
    await expect(applied).resolves.toBe(true);
    expect(slave.refuse()).toContain(added.id);
    beat();
    expect(book.list()).toMatchObject([{ id: added.id, remaining: 1, in_force: true }]);
    expect(slave.refuse()).toContain(added.id);
    expect(slave.refuse()).toBeUndefined();
    beat();
    expect(book.list()).toEqual([]);
    beat();
    expect(slave.report().refused).toEqual([]);
  });
});
