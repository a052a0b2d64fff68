"""A complaint's life: intake, the workflow, service standards and the SLA sweep, who may see it,
what the public sees."""
