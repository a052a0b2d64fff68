"""Figures for managers and the self-assessment: period metrics, recurring clusters, corrective actions, exports."""
