"""Self-checks (visible to students) and hidden checks (autograder) for each lesson."""
