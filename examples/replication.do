* =============================================================================
* Absences and final grades: a replication package's master do-file.
* Data: UCI student performance (Cortez & Silva 2008), student-mat.csv.
*
* Run it with vcereg, from the directory that holds student-mat.csv:
*     vcereg --do replication.do --allow-files .
* It writes table1.tex (LaTeX) and table1.docx (Word) next to the data.
* =============================================================================
version 17
set more off
capture log close

import delimited using "student-mat.csv", clear   // names become lower case

* --- data step ---------------------------------------------------------------
gen lg3 = ln(g3 + 1)
label variable lg3 "log(final grade + 1)"
gen male = sex == "M"
label variable male "Male"
gen byte urban = address == "U"
label variable urban "Urban address"

* absences above 40 are data-entry errors in this extract: set them missing
replace absences = . if absences > 40
egen z_abs = std(absences)
label variable z_abs "Absences (std.)"

recode studytime (1 2 = 0) (3 4 = 1), gen(studies_more)
label variable studies_more "Studies 5+ hours a week"
egen age_grp = cut(age), at(15 17 19 23) icodes
encode mjob, gen(mother_job)

/* students with a final grade of 0 dropped out before the exam /* (see the
   codebook) */: they have no grade to explain */
drop if g3 == 0
assert g3 > 0 & g3 < .

bysort school (absences): gen rank_in_school = _n
by school: egen school_mean = mean(g3)

local controls "age male urban studies_more"
foreach v of local controls {
    quietly count if missing(`v')
    display "`v': " r(N) " missing"
}

* --- regressions ---------------------------------------------------------------
eststo clear
eststo base: regress lg3 z_abs, vce(robust)
eststo ctrl: regress lg3 z_abs `controls', vce(robust)
eststo mjob: regress lg3 z_abs `controls' i.mother_job, vce(robust)
eststo fe:   reghdfe lg3 z_abs `controls', absorb(school age_grp) vce(robust)

* --- tables --------------------------------------------------------------------
local opts se label star(* 0.10 ** 0.05 *** 0.01) keep(z_abs `controls') ///
    stats(N r2, labels("Observations" "R-squared") fmt(%9.0fc 3)) ///
    mtitles("Baseline" "Controls" "Mother's job" "Fixed effects") ///
    title("Absences and final grades") addnotes("Robust standard errors.")
esttab base ctrl mjob fe using "table1.tex", `opts' replace
esttab base ctrl mjob fe using "table1.docx", `opts' replace
