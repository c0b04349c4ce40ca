import { amqpEndpoint, redactUrl } from './amqp-url';

describe('amqpEndpoint', () => {
  it('takes host and port, with the scheme default port', () => {
    expect(amqpEndpoint('amqp://u:p@broker:5673/vh')).toEqual({ host: 'broker', port: 5673 });
    expect(amqpEndpoint('amqp://localhost')).toEqual({ host: 'localhost', port: 5672 });
    expect(amqpEndpoint('amqps://h')).toEqual({ host: 'h', port: 5671 });
    expect(amqpEndpoint('amqp://[::1]:5000')).toEqual({ host: '::1', port: 5000 });
  });

  it('refuses other URLs without echoing the password', () => {
    expect(() => amqpEndpoint('http://u:secret@h')).toThrow('http://u:***@h');
    expect(() => amqpEndpoint('nonsense')).toThrow('not a URL');
  });
});

describe('redactUrl', () => {
  it('masks the password only', () => {
    expect(redactUrl('amqp://guest:guest@localhost:5672')).toBe('amqp://guest:***@localhost:5672');
    expect(redactUrl('amqp://localhost:5672')).toBe('amqp://localhost:5672');
  });
});
