"""Who may do what: the casbin matrix, the principal, and row scoping."""
