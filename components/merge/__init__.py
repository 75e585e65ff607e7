"""The Merge page: join two or more LeRobot datasets, planned, mapped, merged and verified."""
