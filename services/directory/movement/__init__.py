"""Movement: class transfers and people leaving, with history (R-MOVE-1, R-MOVE-2), and the September
rollover."""
