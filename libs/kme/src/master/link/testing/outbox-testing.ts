import type { LinkPublisher } from '@app/broker';
import type { PendingActivation } from '../activation-outbox.service';

/** A LinkPublisher whose confirms the test gives (or refuses) one activations message at a time. */
export class ScriptedPublisher {
  connected = true;
  readonly messages: { json: string; confirm: () => void; refuse: (error: Error) => void }[] = [];

  publishActivations(json: string): Promise<void> {
    return new Promise((confirm, refuse) => this.messages.push({ json, confirm, refuse }));
  }

  /** The activation IDs of message `index`. */
  idsOf(index: number): string[] {
    const message = JSON.parse(this.messages[index].json) as { activations: { id: string }[] };
    return message.activations.map((activation) => activation.id);
  }

  /** As the outbox sees it: only what it uses is scripted. */
  asPublisher(): LinkPublisher {
    return this as unknown as LinkPublisher;
  }
}

/** An activation of one 256-bit key for the other KME's SAE, as the outbox records it. */
export const pendingActivation = (keyId: string): PendingActivation => ({
  epoch: 'e',
  ranges: [{ start: 0, end: 32 }],
  keyBytes: 32,
  keyIds: [keyId],
  masterSaeId: 'sae-1',
  slaveSaeIds: ['sae-2'],
});
