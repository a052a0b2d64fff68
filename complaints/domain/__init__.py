"""The pure core: Thai calendar, reporting periods, tracking numbers, places, bilingual errors and task names.

Nothing here reads the database, the web request or a service (checked by `make lint`).
"""
