export * from "./errors.js";
export { Model } from "./model/model.js";
export type * from "./model/types.js";
export * from "./analyses/ricci/index.js";
