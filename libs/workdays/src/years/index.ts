import type { YearNotice } from '../year-notice.js';
import { YEAR_2023 } from './2023.js';
import { YEAR_2024 } from './2024.js';
import { YEAR_2025 } from './2025.js';
import { YEAR_2026 } from './2026.js';

/**
 * Every year shipped, one file per year, each from its State Council notice (cited in the file). A new year: add
 * its file from the notice (dates, the stated number of days, the make-up working days) and list it here; the unit
 * tests check it against itself. The notice for the next year appears in October–December.
 */
export const YEAR_NOTICES: readonly YearNotice[] = [YEAR_2023, YEAR_2024, YEAR_2025, YEAR_2026];
