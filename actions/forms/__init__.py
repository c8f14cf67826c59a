"""Form validators: one module per form, on a base that explains a field after repeated failures."""
