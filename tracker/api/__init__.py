"""The JSON API at /api/v1/: personal tokens (tokens.py), the request and response shapes built on the bundle's
schemas (shapes.py), and the operations (routes.py)."""
