"""Stream: a bilingual course on transformer internals."""
