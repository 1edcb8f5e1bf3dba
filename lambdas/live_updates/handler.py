"""The live-updates functions' entry points (one package, three functions; modules/live_updates). Each imports
only its own module, so a function's cold start loads what it runs (the authorizer no DynamoDB store, the
routes function no RSA):

- `routes`: the WebSocket API's routes (connections.py)
- `authorize`: its $connect authorizer (authorizer.py)
- `broadcast`: the bus rule's target that posts changes to subscribers (broadcaster.py)
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext


def routes(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from live_updates import connections

    return connections.handler(event, context)


def authorize(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from live_updates import authorizer

    return authorizer.handler(event, context)


def broadcast(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from live_updates import broadcaster

    return broadcaster.handler(event, context)
