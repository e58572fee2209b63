"""Every change to Beatlog's data goes through an operation here.

Operations validate what the schemas cannot, change the session, append to the audit
trail, and never commit: the request (or CLI command) commits once, in one place.
"""
