"""Reference data an agency can start from (`flask setup --preset`, the first-run page).

Data only: each preset is `<name>.units.csv` and `<name>.categories.csv` in the
columns `flask setup --units-csv/--categories-csv` read, and `presets.json`
names them; `complaints.services.datasets.agency_setup` loads and checks them.
"""
