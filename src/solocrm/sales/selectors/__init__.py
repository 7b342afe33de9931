"""Reads of the sales domain shared by pages and the API. Every function starts from
what the user may see."""
