"""Demo data: Nanhu district's stations and rooms, venues, people and a few weeks of work."""
