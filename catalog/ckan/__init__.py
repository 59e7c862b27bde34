"""CKAN-compatible Action API (`/api/3/action/*`, `/api/action/*`) over the catalogue."""
