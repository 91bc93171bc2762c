"""What is computed from fitted models afterwards (here: the Hausman and Mundlak tests,
:mod:`.hausman`)."""
