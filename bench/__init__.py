"""Beatlog's benchmarks. Each prints one JSON document; see README's "Performance" and docs/performance.md."""
