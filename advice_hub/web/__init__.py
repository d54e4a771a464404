"""Web blueprints, one per audience: case officers, contributors, the API, sign-in, dev tools."""
