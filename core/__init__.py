"""The project's shared kernel: small helpers every app and package imports.

Not a Django app (no models, no migrations): money and text rules that must be written
once, so a form, a service, a sheet and a report can never disagree about them.
"""
