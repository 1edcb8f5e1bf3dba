"""The live-updates functions' entry points (one package, three functions; modules/live_updates):

- `routes`: the WebSocket API's routes (connections.py)
- `authorize`: its $connect authorizer (authorizer.py)
- `broadcast`: the bus rule's target that posts changes to subscribers (broadcaster.py)
"""

from live_updates.authorizer import handler as authorize
from live_updates.broadcaster import handler as broadcast
from live_updates.connections import handler as routes

__all__ = ["authorize", "broadcast", "routes"]
