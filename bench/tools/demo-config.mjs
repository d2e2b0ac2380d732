// The demo's config (examples/demo.yaml) pointed at the bench's own ports:
// the origin its "*.example" hosts resolve to, the proxy listener and the
// admin listener. Shared by the bench scripts that start a gateway on it.

/** demo.yaml's text with its origin, proxy and admin addresses replaced by these loopback ports. */
export function pointDemoAt(demoYaml, { originPort, port, admin }) {
  return demoYaml
    .replace('127.0.0.1:8081', `127.0.0.1:${originPort}`)
    .replace('listen: 127.0.0.1:8080', `listen: 127.0.0.1:${port}`)
    .replace('listen: 127.0.0.1:9090', `listen: 127.0.0.1:${admin}`);
}
