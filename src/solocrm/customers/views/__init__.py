"""Customer pages, split by sub-domain; ``urls.py`` names each view by its module."""
