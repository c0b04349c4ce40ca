import {
  LinkMessageType,
  MalformedLinkMessageError,
  SCHEMA_VERSION_HEADER,
  decodeLinkMessage,
  type RawLinkMessage,
} from './link-messages';

const v1 = { [SCHEMA_VERSION_HEADER]: 1 };
const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body));
const activation = {
  id: 'store-1/1',
  epoch: 'e1',
  ranges: [{ start: 0, end: 64 }],
  keyBytes: 32,
  keyIds: ['bc490419-7d60-487f-adc1-4ddcc177c139', '550e8400-e29b-41d4-a716-446655440000'],
  masterSaeId: 'sae-1',
  slaveSaeIds: ['sae-2'],
};

const refused = (raw: RawLinkMessage): string => {
  try {
    decodeLinkMessage(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedLinkMessageError);
    return (error as Error).message;
  }
  throw new Error('message was accepted');
};

describe('decodeLinkMessage', () => {
  it('reads a material block from its headers and raw body', () => {
    const bytes = Buffer.from([1, 2, 3]);
    const message = decodeLinkMessage({
      type: LinkMessageType.MaterialBlock,
      headers: { ...v1, epoch: 'e1', start: 4096 },
      content: bytes,
    });
    expect(message).toEqual({
      type: LinkMessageType.MaterialBlock,
      epoch: 'e1',
      start: 4096,
      bytes,
    });
  });

  it('reads a batch of activations and a link reset', () => {
    const batch = decodeLinkMessage({
      type: LinkMessageType.Activations,
      headers: v1,
      content: json({ activations: [activation, activation] }),
    });
    expect(batch.type === LinkMessageType.Activations && batch.activations).toHaveLength(2);
    const reset = decodeLinkMessage({
      type: LinkMessageType.LinkReset,
      headers: v1,
      content: json({ epoch: 'e2', fromOffset: 10, slaveStoreId: 'store-1' }),
    });
    expect(reset).toMatchObject({
      reset: { epoch: 'e2', fromOffset: 10, slaveStoreId: 'store-1' },
    });
  });

  it('reads a barrier, whose ID must be a UUID', () => {
    const id = '0f8a3c52-7d1e-4c8b-9b1a-2d5e6f7a8b9c';
    expect(
      decodeLinkMessage({ type: LinkMessageType.Barrier, headers: v1, content: json({ id }) }),
    ).toEqual({ type: LinkMessageType.Barrier, barrier: { id } });
    expect(
      refused({ type: LinkMessageType.Barrier, headers: v1, content: json({ id: 'b-1' }) }),
    ).toMatch(/qkd.barrier has invalid fields: id/);
  });

  it('refuses other schema versions and unknown types', () => {
    const body = json({ activations: [activation] });
    expect(refused({ type: LinkMessageType.Activations, headers: {}, content: body })).toMatch(
      /schema version undefined/,
    );
    expect(
      refused({
        type: LinkMessageType.Activations,
        headers: { [SCHEMA_VERSION_HEADER]: 2 },
        content: body,
      }),
    ).toMatch(/schema version 2/);
    expect(refused({ type: 'qkd.other', headers: v1, content: body })).toMatch(
      /unknown message type/,
    );
    expect(refused({ headers: v1, content: body })).toMatch(/unknown message type/);
  });

  it('refuses bodies that are not the schema', () => {
    const type = LinkMessageType.Activations;
    expect(refused({ type, headers: v1, content: Buffer.from('{not json') })).toMatch(/not JSON/);
    expect(refused({ type, headers: v1, content: json([activation]) })).toMatch(/not an object/);
    expect(refused({ type, headers: v1, content: json({ activations: [] }) })).toMatch(
      /activations/,
    );
    const badId = { ...activation, keyIds: ['not-a-uuid'] };
    expect(refused({ type, headers: v1, content: json({ activations: [badId] }) })).toMatch(
      /invalid fields: activations/,
    );
    const badRange = { ...activation, ranges: [{ start: -1, end: 5 }] };
    expect(refused({ type, headers: v1, content: json({ activations: [badRange] }) })).toMatch(
      /activations/,
    );
  });

  it('names every invalid member of a refused message, a missing one too', () => {
    const type = LinkMessageType.LinkReset;
    const message = refused({ type, headers: v1, content: json({ epoch: '', fromOffset: 1.5 }) });
    const fields = /qkd.link-reset has invalid fields: (.*)$/.exec(message)?.[1].split(', ');
    expect(fields?.sort()).toEqual(['epoch', 'fromOffset', 'slaveStoreId']);
    const nested = { ...activation, keyBytes: 0, slaveSaeIds: [7] };
    expect(
      refused({
        type: LinkMessageType.Activations,
        headers: v1,
        content: json({ activations: [activation, nested] }),
      }),
    ).toMatch(/qkd.activations has invalid fields: activations$/);
  });

  it('refuses a block without a position or without bytes', () => {
    const type = LinkMessageType.MaterialBlock;
    expect(refused({ type, headers: v1, content: Buffer.from([1]) })).toMatch(
      /epoch, start|start|epoch/,
    );
    expect(
      refused({ type, headers: { ...v1, epoch: 'e1', start: 0 }, content: Buffer.alloc(0) }),
    ).toMatch(/empty material block/);
    expect(
      refused({ type, headers: { ...v1, epoch: 'e1', start: '12' }, content: Buffer.from([1]) }),
    ).toMatch(/start/);
  });
});
