"""The category classifier as the product uses it: suggestions at intake, the triage queue, weekly retraining."""
