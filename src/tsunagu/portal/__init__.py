"""The public portal: home, procedure finder and guides, and the design system."""
