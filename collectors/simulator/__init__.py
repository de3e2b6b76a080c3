"""A simulated province: every node of the plan behind realistic interfaces, seeded."""
