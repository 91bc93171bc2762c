"""What is computed from fitted models afterwards: predictions (:mod:`.predict`), fixed-effect
estimates (:mod:`.fixef`) and margins (:mod:`.margins`), which :class:`vcereg.Results`
delegates to, reading the fit, its covariance and the formulaic state the design kept,
never a copy of the data; linear hypotheses, Wald tests and ``lincom``
(:mod:`.hypotheses`); the Hausman and Mundlak tests (:mod:`.hausman`); the wild cluster
bootstrap test (:mod:`.boottest`)."""
