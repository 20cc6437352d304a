"""The store's schema (SQLAlchemy Core, portable between SQLite and PostgreSQL).

JSON values are kept in TEXT columns so that NaN and infinities survive on every database.
"""
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

SCHEMA_VERSION = 2  # 2: kl_evaluators and kl_jobs (see Store._migrate)

metadata = MetaData()
_Id = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid alias
# Tables keyed by a composite primary key are stored WITHOUT ROWID on SQLite: one B-tree instead of two.


def _id() -> Column:
    return Column("id", _Id, primary_key=True, autoincrement=True)


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.current_timestamp())


meta = Table("kl_meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

workflows = Table(
    "kl_workflows",
    metadata,
    _id(),
    Column("name", String(512), nullable=False, unique=True),
    Column("schema", Text, nullable=False),
    _created(),
)

# A test sample's id is a 64-bit digest of (workflow, identity key): computed, not assigned, so bulk writes need
# no lookups. The key is kept, and a digest collision is detected on write.
test_samples = Table(
    "kl_test_samples",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=False),
    Column("workflow_id", _Id, ForeignKey("kl_workflows.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("metadata", Text, nullable=False),
)

test_cases = Table(
    "kl_test_cases",
    metadata,
    _id(),
    Column("workflow_id", _Id, ForeignKey("kl_workflows.id"), nullable=False),
    Column("name", String(1024), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("latest_version", Integer, nullable=False),
    _created(),
)

test_case_versions = Table(
    "kl_test_case_versions",
    metadata,
    _id(),
    Column("test_case_id", _Id, ForeignKey("kl_test_cases.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("n_samples", Integer, nullable=False),
    _created(),
    UniqueConstraint("test_case_id", "version", name="uq_kl_test_case_versions"),
)

test_case_members = Table(
    "kl_test_case_members",
    metadata,
    Column("version_id", _Id, ForeignKey("kl_test_case_versions.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("sample_id", _Id, ForeignKey("kl_test_samples.id"), nullable=False),
    Column("ground_truth", Text, nullable=True),
    sqlite_with_rowid=False,
)

test_suites = Table(
    "kl_test_suites",
    metadata,
    _id(),
    Column("workflow_id", _Id, ForeignKey("kl_workflows.id"), nullable=False),
    Column("name", String(1024), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("latest_version", Integer, nullable=False),
    _created(),
)

test_suite_versions = Table(
    "kl_test_suite_versions",
    metadata,
    _id(),
    Column("suite_id", _Id, ForeignKey("kl_test_suites.id"), nullable=False),
    Column("version", Integer, nullable=False),
    _created(),
    UniqueConstraint("suite_id", "version", name="uq_kl_test_suite_versions"),
)

test_suite_members = Table(
    "kl_test_suite_members",
    metadata,
    Column("suite_version_id", _Id, ForeignKey("kl_test_suite_versions.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("test_case_version_id", _Id, ForeignKey("kl_test_case_versions.id"), nullable=False),
    sqlite_with_rowid=False,
)

models = Table(
    "kl_models",
    metadata,
    _id(),
    Column("workflow_id", _Id, ForeignKey("kl_workflows.id"), nullable=False),
    Column("name", String(1024), nullable=False, unique=True),
    Column("metadata", Text, nullable=False),
    Column("tags", Text, nullable=False),
    _created(),
)

inferences = Table(
    "kl_inferences",
    metadata,
    Column("model_id", _Id, ForeignKey("kl_models.id"), primary_key=True),
    Column("sample_id", _Id, ForeignKey("kl_test_samples.id"), primary_key=True),
    Column("data", Text, nullable=False),
    sqlite_with_rowid=False,
)

test_runs = Table(
    "kl_test_runs",
    metadata,
    _id(),
    Column("model_id", _Id, ForeignKey("kl_models.id"), nullable=False),
    Column("suite_id", _Id, ForeignKey("kl_test_suites.id"), nullable=False),
    Column("evaluator", String(512), nullable=False),
    Column("configurations", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("error", Text, nullable=True),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.current_timestamp()),
    UniqueConstraint("model_id", "suite_id", "evaluator", name="uq_kl_test_runs"),
)

# Metrics are keyed by (model, evaluator display name, configuration display name, scope). A per-sample row's scope
# is the test case version it was computed for, or 0 when a function evaluator computed it once for the whole suite.
sample_metrics = Table(
    "kl_sample_metrics",
    metadata,
    Column("model_id", _Id, ForeignKey("kl_models.id"), primary_key=True),
    Column("evaluator", String(512), primary_key=True),
    Column("configuration", String(512), primary_key=True),
    Column("test_case_version_id", _Id, primary_key=True, autoincrement=False),
    Column("sample_id", _Id, ForeignKey("kl_test_samples.id"), primary_key=True),
    Column("data", Text, nullable=False),
    sqlite_with_rowid=False,
)

case_metrics = Table(
    "kl_case_metrics",
    metadata,
    Column("model_id", _Id, ForeignKey("kl_models.id"), primary_key=True),
    Column("evaluator", String(512), primary_key=True),
    Column("configuration", String(512), primary_key=True),
    Column("test_case_version_id", _Id, ForeignKey("kl_test_case_versions.id"), primary_key=True),
    Column("data", Text, nullable=False),
    Column("plots", Text, nullable=False),
    sqlite_with_rowid=False,
)

suite_metrics = Table(
    "kl_suite_metrics",
    metadata,
    Column("model_id", _Id, ForeignKey("kl_models.id"), primary_key=True),
    Column("evaluator", String(512), primary_key=True),
    Column("configuration", String(512), primary_key=True),
    Column("suite_version_id", _Id, ForeignKey("kl_test_suite_versions.id"), primary_key=True),
    Column("data", Text, nullable=False),
    sqlite_with_rowid=False,
)

# Evaluators registered for automatic evaluation: ``kind`` is entrypoint, command or image; ``target`` the import
# path, command line or image; ``timeout`` in seconds.
evaluators = Table(
    "kl_evaluators",
    metadata,
    _id(),
    Column("workflow_id", _Id, ForeignKey("kl_workflows.id"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("configurations", Text, nullable=False),
    Column("secret", Text, nullable=True),
    Column("timeout", Float, nullable=False),
    Column("working_dir", Text, nullable=False),
    _created(),
    UniqueConstraint("workflow_id", "name", name="uq_kl_evaluators"),
)

# Evaluation jobs of one (model, suite, evaluator). ``test_case_version_ids`` is a JSON list of the test case versions
# to evaluate, NULL for every test case of the suite version. Times are seconds since the epoch, so heartbeat
# arithmetic is the same on every database.
jobs = Table(
    "kl_jobs",
    metadata,
    _id(),
    Column("evaluator_id", _Id, ForeignKey("kl_evaluators.id"), nullable=False),
    Column("model_id", _Id, ForeignKey("kl_models.id"), nullable=False),
    Column("suite_id", _Id, ForeignKey("kl_test_suites.id"), nullable=False),
    Column("suite_version_id", _Id, ForeignKey("kl_test_suite_versions.id"), nullable=False),
    Column("test_case_version_ids", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("cancel_requested", Integer, nullable=False),
    Column("worker", String(256), nullable=True),
    Column("pid", Integer, nullable=True),
    Column("queued_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("heartbeat_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("stdout", Text, nullable=False),
    Column("stderr", Text, nullable=False),
    Column("error", Text, nullable=True),
)
Index("ix_kl_jobs_status", jobs.c.status)
# At most one running job per (model, suite, evaluator), enforced by the database itself.
_running = text("status = 'running'")
Index("uq_kl_jobs_running", jobs.c.model_id, jobs.c.suite_id, jobs.c.evaluator_id, unique=True,
      sqlite_where=_running, postgresql_where=_running)
