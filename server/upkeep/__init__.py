"""Scheduled upkeep: the periodic jobs that keep Beatlog's tables in bounds, and the worker that runs them.

``jobs`` declares each job (one line in ``JOBS``) and runs one, as a unit of work settled like a
request, logged and measured (``metrics``). ``worker`` (``flask --app server worker``) schedules
them with APScheduler in the one worker process that holds the upkeep lock (``leadership``):
a PostgreSQL advisory lock, or on SQLite a file lock beside the database.
"""
