/**
 * Every codec benchmark case, in one list: add a line here for each new `*_cases.ts` file.
 * @module
 */

import type { BenchCase } from "./types.ts";
import { cases as zmtp } from "./zmtp_cases.ts";
import { cases as sp } from "./sp_cases.ts";
import { cases as pomelo } from "./pomelo_cases.ts";

/** All cases, grouped by family. */
export const cases: BenchCase[] = [...zmtp, ...sp, ...pomelo];
