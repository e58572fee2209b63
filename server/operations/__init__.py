"""Every change to Beatlog's data goes through an operation here.

Operations validate what the schemas cannot, change the session, append to the audit
trail, and never commit: the request (or CLI command) commits once, in one place. They say
no by raising ``server.refusals.Refused``, which knows nothing of HTTP, and decide before
they write, so a refusal leaves nothing behind even for a caller that catches it.
"""
