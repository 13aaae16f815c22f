/**
 * A section that reproduces a paper shows each published value beside ours in ONE table row, with the
 * paper's setting and ours, whether they agree, and where they do not, why (or that the cause is not known).
 */
import type { Table } from "./section.js";

export interface PaperRow {
  quantity: string;
  /** The paper's setting: architecture, data, k, … */
  paperSetting: string;
  published: string;
  ours: string;
  /** Our setting, where it differs from the paper's. */
  ourSetting: string;
  agree: "yes" | "no" | "partly";
  /** Where and why they differ (empty when they agree). */
  why: string;
}

export const PAPER_HEADERS = ["quantity", "paper's setting", "published", "ours", "our setting", "agree?", "where and why they differ"];

export function paperTable(paper: string, rows: PaperRow[]): Table {
  return {
    caption: `Published values beside ours: ${paper}`,
    headers: PAPER_HEADERS,
    rows: rows.map((r) => [r.quantity, r.paperSetting, r.published, r.ours, r.ourSetting, r.agree, r.agree === "yes" ? "—" : r.why]),
  };
}
