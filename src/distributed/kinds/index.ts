/** The job kinds every worker runs: registered here once, looked up by name (jobKinds.ts). */
import { registerJobKind } from "../jobKinds.js";
import { ricciNetwork } from "./ricciNetwork.js";
import { spectrumShard } from "./spectrumShard.js";
import { mapShard } from "./mapShard.js";

registerJobKind(ricciNetwork);
registerJobKind(spectrumShard);
registerJobKind(mapShard);

export { ricciNetwork, spectrumShard, mapShard };
