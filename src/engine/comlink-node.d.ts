// comlink ships its Node adapter without an exports map; declare the deep import used by the pool.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export default function nodeEndpoint(nep: any): Endpoint;
}
