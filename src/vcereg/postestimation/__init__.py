"""What is computed from a fit afterwards: tests, intervals, predictions."""
