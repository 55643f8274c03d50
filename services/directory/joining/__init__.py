"""Joining: the ways in — invite links (R-INV-1, R-INV-2, R-INV-5), join codes and join requests
(R-INV-3), and a parents' link's class roster (R-ROLE-6)."""
