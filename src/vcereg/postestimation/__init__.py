"""What is computed from fitted models afterwards: linear hypotheses, Wald tests and
``lincom`` (:mod:`.hypotheses`); the Hausman and Mundlak tests (:mod:`.hausman`); the wild
cluster bootstrap test (:mod:`.boottest`)."""
