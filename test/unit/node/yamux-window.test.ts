import { strict as assert } from 'node:assert';
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';
import { sendWindowUpdatesAtHalf } from '../../../src/node/yamux-window.js';

const WINDOW = 256 * 1024;

/** A yamux stream whose frames are recorded instead of sent. */
function streamIn(state: StreamState): { stream: YamuxStream; frames: { type: number; flag: number; length: number }[] } {
  const frames: { type: number; flag: number; length: number }[] = [];
  const log = Object.assign(() => {}, { enabled: false, trace: () => {}, error: () => {}, newScope: () => log });
  const stream = new YamuxStream({
    id: '1',
    name: 'test',
    direction: 'inbound',
    state,
    config: { initialStreamWindowSize: WINDOW, maxStreamWindowSize: 16 * 1024 * 1024 } as never,
    getRTT: () => -1,
    sendFrame: (header: { type: number; flag: number; length: number }) => frames.push(header),
    log,
  } as never);
  return { stream, frames };
}

/** What the stream's receive window looks like after reading `bytes`. */
const read = (stream: YamuxStream, bytes: number) => ((stream as unknown as { recvWindowCapacity: number }).recvWindowCapacity -= bytes);

describe('yamux window updates: once half the window is read, as go-yamux and rust-yamux do', () => {
  before(() => sendWindowUpdatesAtHalf());

  it('reading small messages sends no update until half of the window is read, then one that restores it', () => {
    const { stream, frames } = streamIn(StreamState.Established);
    for (let i = 0; i < 100; i++) {
      read(stream, 1000);
      stream.sendWindowUpdate();
    }
    assert.equal(frames.length, 0, '100 KB of 256 KB read: no update yet');
    read(stream, 40 * 1024);
    stream.sendWindowUpdate();
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.length, 100 * 1000 + 40 * 1024, 'the update gives back all that was read');
  });

  it('the update that acknowledges a new stream goes out at once, whatever was read', () => {
    const { stream, frames } = streamIn(StreamState.SYNReceived);
    stream.sendWindowUpdate();
    assert.equal(frames.length, 1);
    assert.notEqual(frames[0]!.flag, 0, 'it carries the ACK flag');
  });
});
