"""fkeras's engine: variables and their binding scopes (``variables``), the ``Layer`` base class
(``layer``), symbolic tensors and graph nodes (``symbolic``, ``op_nodes``) and masks (``masking``).

Nothing is imported here: the modules sit on different floors (see docs/architecture.md), so each
is imported by its own name.
"""
