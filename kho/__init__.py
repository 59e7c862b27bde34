"""Kho: provincial data warehouse, data-sharing platform and open-data catalogue."""
