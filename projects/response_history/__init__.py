"""What a company has sent: receipts with a checksum, the versions of a submitted response and their comparison,
sealed responses and the rules for drafts (docs/projects.md, "Receipts, history and sealed responses")."""
