"""A model package's model on the cluster: each worker process reads the package from its path and loads it once;
the stored inferences are those of a single process."""
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.packaging import model_from_package
from kolena_lab.workflow import test
from tests.unit.model_packages import _packages as P

from .test_inference import stored


def test_a_package_model_is_loaded_once_a_worker(sqlite_store, tmp_path, client):
    local_root = P.classifier_package(tmp_path / "local", batch=4)
    remote_root = P.classifier_package(tmp_path / "remote", batch=4)
    suite, _ = P.colour_suite(tmp_path, n=60)
    local = test(model_from_package(local_root, P.classification, name="colours local"), suite,
                 ClassificationEvaluator(), batch_size=4)
    remote = test(model_from_package(remote_root, P.classification, name="colours dask"), suite,
                  ClassificationEvaluator(), batch_size=4, executor=client)
    assert remote.inferred == local.inferred == 60
    assert stored(remote.model, suite) == stored(local.model, suite)
    loads = [c for c in P.calls(remote_root) if "load" in c]
    assert 1 <= len(loads) <= len(client.nthreads())
    assert sum(c["predict"] for c in P.calls(remote_root) if "predict" in c) == 60
