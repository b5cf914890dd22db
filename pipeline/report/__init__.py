"""Report outputs drawn or written from the synthesis: PRISMA diagram and charts (matplotlib),
exports for reference managers, the report document."""
