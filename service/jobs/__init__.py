"""Jobs: planning, creation, lifecycle and execution of jobs and their model-days."""
