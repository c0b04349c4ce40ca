import type { DashboardLinkStatus, LinkState } from '@app/etsi-client';
import { ABORT_QBER_THRESHOLD } from '@app/link-model';

/** The link's state in one word (see DashboardLinkStatus). */
export function linkStatusOf(link: LinkState): DashboardLinkStatus {
  if (link.quantum_channel === 'down') return 'channel_down';
  if (link.qber > ABORT_QBER_THRESHOLD) return 'aborted';
  return link.generating ? 'generating' : 'stopped';
}
