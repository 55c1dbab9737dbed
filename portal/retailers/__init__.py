"""Retailers (零售户): the table description (table), demo data (demo) and the scale generator (scale)."""
