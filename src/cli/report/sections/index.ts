/**
 * The report's section registry, in report order. A new analysis adds one file next to this one exporting
 * a ReportSection and one line here.
 */
import type { ReportSection } from "../section.js";
import { modelsSection } from "./models.js";
import { engineCoreSection } from "./engineCore.js";
import { equivalenceClassesSection } from "./equivalenceClasses.js";
import { leavesSection } from "./leaves.js";
import { mnistLeafWalksSection } from "./mnistLeafWalks.js";
import { dimSpectraSection } from "./dimSpectra.js";
import { ricciSection } from "./ricci.js";
import { regionsSection } from "./regions.js";
import { localGeometrySection } from "./localGeometry.js";

export const sections: ReportSection[] = [
  modelsSection,
  engineCoreSection,
  leavesSection,
  mnistLeafWalksSection,
  equivalenceClassesSection,
  dimSpectraSection,
  ricciSection, regionsSection, localGeometrySection,
];
