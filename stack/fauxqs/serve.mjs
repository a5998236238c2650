// Starts fauxqs (the local SQS) on loopback only: its own CLI binds every
// interface. Port from FAUXQS_PORT. State is in memory: the API's outbox is
// what makes a restart lose nothing.
import { buildApp } from "fauxqs";

const port = parseInt(process.env.FAUXQS_PORT ?? "9324", 10);
const host = process.env.FAUXQS_BIND ?? "127.0.0.1";
const app = buildApp({ logger: false });
await app.listen({ port, host });
console.log(`fauxqs listening on ${host}:${port}`);
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => app.close().then(() => process.exit(0)));
}
