// Loaded with --import into a process under test: any connection to a host that is not this
// machine is refused and reported on stderr, so a test proves no request escaped the overrides.
import net from 'node:net';
import tls from 'node:tls';

const loopback = (host) => !host || host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
const guard = (original) =>
  function (...args) {
    const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
    const host = opts.host ?? opts.hostname;
    if (!loopback(host) && !opts.path) {
      process.stderr.write(`ESCAPED-NETWORK ${host}\n`);
      throw new Error(`network access to ${host} is not allowed in this test`);
    }
    return original.apply(this, args);
  };
net.connect = guard(net.connect);
net.createConnection = guard(net.createConnection);
tls.connect = guard(tls.connect);
