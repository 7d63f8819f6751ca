"""Public-opinion watch (舆情): sources, topic rules, events and their handling."""
