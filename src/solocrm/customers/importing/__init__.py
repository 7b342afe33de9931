"""Importing customers and companies from CSV and XLSX files.

The path of a file through the package:

1. ``reading.table_read`` refuses a file that cannot be read at all (``FileRefused``)
   or returns a ``Table``: header names and data rows, each with its physical line
   number (``decoding`` finds the text encoding, ``xlsx`` reads workbooks safely);
2. ``headers.mapping_suggest`` proposes which column feeds which field;
3. ``engine.rows_import`` parses each row's values (``values``), matches it against
   existing records and writes it through the customers services (``writers``),
   accounting for every row as created, updated, skipped or rejected;
4. ``services.import_file`` ties these together, writes the report (``report``) and
   the audit entry; ``tasks`` runs it as a background job.
"""
