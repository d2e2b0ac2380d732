// Connections that send nothing, as a client holding descriptors would open
// them: whether the server closed one at accept (within `graceMs`), and when
// it closed one it had accepted. What the server writes (a 408) is read and
// dropped: a socket whose received bytes are never read never sees the
// server's FIN behind them, and would look open for ever.
import net from 'node:net';

export interface IdleConnection {
  socket: net.Socket;
  /** True when the server closed the connection within the grace time after it was established. */
  closedEarly: Promise<boolean>;
  /** Resolves with the ms from connect to the server's close (never resolves while it stays open). */
  closedAfter: Promise<number>;
}

export function openIdle(port: number, localAddress: string, graceMs = 500, host = '127.0.0.1'): Promise<IdleConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress }, () => {
      const t0 = Date.now();
      const closedAfter = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)));
      const closedEarly = new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), graceMs);
        void closedAfter.then(() => {
          clearTimeout(t);
          r(true);
        });
      });
      resolve({ socket, closedEarly, closedAfter });
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.resume();
  });
}

/** The ms until `p` resolves, or undefined when `ms` pass first. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    void p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}
