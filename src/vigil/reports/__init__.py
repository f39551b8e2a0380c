"""Reports: what a seizure holds, what of it is known and what is new."""
