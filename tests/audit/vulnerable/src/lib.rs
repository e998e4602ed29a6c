// Never built: scripts/audit only reads this crate's dependency graph.
