"""Pure numerical analytics for Solo CRM.

Nothing in this package imports Django. Estimators follow the scikit-learn contract:
hyper-parameters in ``__init__``, ``fit`` returns ``self``, learned attributes end in
``_`` and randomness enters through ``random_state``.
"""
