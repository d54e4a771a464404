// Starts GOV.UK Frontend's components (character counts, error summary focus, buttons).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
