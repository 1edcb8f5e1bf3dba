"""AWS clients made from botocore directly, once per process.

`boto3.client(...)` is a botocore client with boto3's default session around it; these functions use nothing
boto3 adds (resources, the S3 transfer manager), and `import boto3` also imports s3transfer, about a third of
its import time (make bench, imports: a bare `import botocore.session` takes ~0.7x `import boto3` here). The
stream functions' cold start is their import, so they make clients here. Region and credentials resolve as
boto3's would (AWS_REGION/AWS_DEFAULT_REGION and Lambda's credential variables).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config


@cache
def session() -> botocore.session.Session:
    """The process's botocore session: its region and credentials, resolved as boto3's would be."""
    return botocore.session.get_session()


def client(service: str, config: Config | None = None) -> Any:
    """A new client of `service`; callers cache it (one per process, as with boto3's default session)."""
    return session().create_client(service, config=config)
