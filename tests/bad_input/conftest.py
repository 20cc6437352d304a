"""Bad-input suite: each case must raise a clear ``kolena_lab`` error and leave the store exactly as it was."""
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa

from kolena_lab.store import Store


def store_contents(store: Store) -> Dict[str, List[Tuple]]:
    """Every row of every table, sorted, so two snapshots compare equal exactly when nothing was written."""
    with store.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        return {t: sorted(map(tuple, conn.execute(sa.text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}


@pytest.fixture
def unchanged(sqlite_store: Store):
    """``with unchanged(match=...):`` expects a ``kolena_lab`` error whose message matches, and no change to the store."""

    @contextlib.contextmanager
    def check(error: type = Exception, match: Optional[str] = None) -> Iterator[None]:
        from kolena_lab.errors import KolenaError

        before = store_contents(sqlite_store)
        with pytest.raises(error, match=match) as info:
            yield
        assert isinstance(info.value, KolenaError), repr(info.value)
        assert store_contents(sqlite_store) == before

    return check
