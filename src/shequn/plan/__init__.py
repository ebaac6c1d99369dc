"""Planning (P-PLAN): forecast a community from its blueprint by simulating it, later diagnosis."""
