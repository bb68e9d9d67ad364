"""HTTP routers: one per resource, thin — they translate, the engine computes."""
