class StaleVersionError(Exception):
    """A write was based on an older version of the record than the one stored."""

    def __init__(self, obj_label: str, expected: int, current: int | None) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"{obj_label} was changed by someone else since you opened it "
            f"(your version {expected}, now {current}). Reload it and apply your change again."
        )
