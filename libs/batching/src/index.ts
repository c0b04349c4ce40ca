export { CallBatcher, type BatchSender, type CallBatcherOptions } from './call-batcher';
