"""A sample's store id is a stable digest of its workflow and identity key."""
import hashlib

from kolena_lab.workflow import _codec


def test_sample_ids_are_the_documented_digest():
    for workflow, key in [("Animals", '{"locator":"s3://b/cat.jpg"}'), ("Faces ✓", '{"locator":"/x"}')]:
        digest = hashlib.blake2b(f"{workflow}\0{key}".encode(), digest_size=8).digest()
        assert _codec.sample_id(workflow, key) == int.from_bytes(digest, "big", signed=True)
