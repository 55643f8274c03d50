"""The SFU process as a member of the fleet (issue 14): its entry in the NATS KV registry with a
heartbeat and its load (`registry.py`, `load.py`), its drain (`drain.py`: SIGTERM or the `Drain` RPC
→ DRAINING, no new call, exit when the last call is over), the node's processes (`supervisor.py`:
`parta-sfu serve --processes auto|N`) and `parta-sfu drain [--wait]` (`command.py`)."""
