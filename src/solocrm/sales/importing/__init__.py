"""Importing products and orders from CSV and XLSX with the customers' import machinery.

Reading (encodings, XLSX safety, limits), header suggestions, the column map, the
report and the summary come from ``solocrm.customers.importing``; this package adds the
sales fields (``fields``), cell parsing (``prepare``), how rows become records
(``products``, ``orders``, ``orders_writer``), the run (``services``) and the
registration of ``solocrm import products|orders`` (``cli``).

Every data row ends created, updated, skipped or rejected, so
created + updated + skipped + rejected = data rows. The rows of one order (same order
number) share one outcome: an order is written whole or not at all.
"""
