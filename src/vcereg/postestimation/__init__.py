"""What is computed from fitted models afterwards: the Hausman and Mundlak tests
(:mod:`.hausman`), the wild cluster bootstrap test (:mod:`.boottest`)."""
