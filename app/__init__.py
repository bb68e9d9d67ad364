"""chainrule's HTTP layer: translates requests to engine calls and back."""
