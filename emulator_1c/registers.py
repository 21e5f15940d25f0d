"""Register tables kept up to date record by record, as 1C keeps its register tables.

A 1C register is a table of its own: when a price is set or goods move, the document writes a few records
and the rest of the table is untouched; ``SliceLast()`` and ``Balance()`` read it through indexes on the
dimensions.  The emulator derives its price and stock registers from the products' register data
(:class:`~emulator_1c.seed.ProductExtra`), so a :class:`RegisterTable` keeps the rows of every product under
the product's key and replaces only the rows of the products written.

* The index on the product dimension is the table itself; an index on any other dimension and the flat
  list of all rows (in catalog order, for reads of the whole table) are rebuilt only when read after a
  change, never on the write.
* Rows are never changed in place (new dicts replace them), so a list already handed to a reader stays a
  consistent picture of the moment it was taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


class RegisterTable:
    """Rows of one register (or of one of its virtual tables) by the product they belong to.

    Built from every row in catalog order; that list is served as it is until the first change, and the
    rows are grouped by product only when a product is looked up or written.  Product keys are the
    lower-case GUIDs the store uses.
    """

    def __init__(self, dimension: str, rows: Iterable[dict] = ()) -> None:
        self.dimension = dimension
        self.version = 0
        self._flat: list[dict] | None = list(rows)
        self._by_key: dict[str, tuple[dict, ...]] | None = None
        self._indexes: dict[str, dict[str, list[dict]]] = {}

    @property
    def by_key(self) -> dict[str, tuple[dict, ...]]:
        if self._by_key is None:
            grouped: dict[str, list[dict]] = {}
            for row in self._flat or ():
                grouped.setdefault(row[self.dimension], []).append(row)
            self._by_key = {key: tuple(group) for key, group in grouped.items()}
        return self._by_key

    def set(self, key: str, rows: Sequence[dict]) -> bool:
        """Replace the rows of one product; False (and nothing invalidated) when they are the same."""
        rows = tuple(rows)
        by_key = self.by_key
        if by_key.get(key, ()) == rows:
            return False  # 1C does not rewrite records that did not change
        if rows:
            by_key[key] = rows
        else:
            by_key.pop(key, None)
        self.version += 1
        self._flat = None
        self._indexes = {}
        return True

    def rows(self, order: Iterable[str]) -> list[dict]:
        """Every row, products in ``order`` (the catalog's), each product's rows in their own order."""
        flat = self._flat
        if flat is None:
            by_key = self.by_key
            flat = [row for key in order for row in by_key.get(key, ())]
            self._flat = flat
        return flat

    def index(self, prop: str, order: Iterable[str]) -> Mapping[str, Sequence[dict]]:
        """Rows by the lower-cased value of ``prop``: the table itself for the product dimension."""
        if prop == self.dimension:
            return self.by_key
        index = self._indexes.get(prop)
        if index is None:
            index = {}
            for row in self.rows(order):
                index.setdefault(str(row.get(prop, "")).lower(), []).append(row)
            self._indexes[prop] = index
        return index
