"""Development tools that run outside Django: local stand-ins for external systems."""
